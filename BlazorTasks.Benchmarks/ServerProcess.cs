using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BlazorTasks.Benchmarks;

/// <summary>
/// A server under test, started as its own process (through <c>bash -c 'ulimit -n …; exec …'</c> so it may
/// hold thousands of streams) on a free loopback port. Reads its RSS and CPU time from <c>/proc</c>.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _dataDirectory;
    private int _echoed;
    private bool _disposed;

    private ServerProcess(Process process, int port, string? dataDirectory)
    {
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    /// <summary>Starts the real app from its Release build with a fresh, empty data folder.</summary>
    public static Task<ServerProcess> StartAppAsync(string appDll, string webhookSecret, IDictionary<string, string>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("blazortasks-bench-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Storage__DataDirectory"] = dataDirectory,
            ["Webhooks__Secret"] = webhookSecret,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",

            // The per-user limits stop one account from flooding the server; the benchmark is that one
            // account on purpose, so they are raised out of the way (their checks still run).
            ["Limits__TaskCreatesPerMinute"] = "100000000",
            ["Limits__MaxPendingTasksPerUser"] = "100000000",
            ["Limits__MaxEventStreamsPerUser"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return StartAsync("dotnet " + Quote(appDll), Path.GetDirectoryName(appDll)!, environment, dataDirectory);
    }

    /// <summary>Starts this executable again in <c>--baseline-server</c> mode.</summary>
    public static Task<ServerProcess> StartBaselineAsync()
    {
        var self = typeof(ServerProcess).Assembly.Location;
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        return StartAsync("dotnet " + Quote(self) + " --baseline-server", Path.GetDirectoryName(self)!, environment, null);
    }

    private static async Task<ServerProcess> StartAsync(string command, string workingDirectory, Dictionary<string, string> environment, string? dataDirectory)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"ulimit -n 65535 2>/dev/null || ulimit -n $(ulimit -Hn); exec {command}");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}.");
        var server = new ServerProcess(process, port, dataDirectory);
        process.OutputDataReceived += (_, e) => server.Echo(e.Data);
        process.ErrorDataReceived += (_, e) => server.Echo(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync();
        return server;
    }

    private void Echo(string? line)
    {
        // The server logs at Warning; show the first lines of what it says, not a flood.
        if (!string.IsNullOrWhiteSpace(line) && Interlocked.Increment(ref _echoed) <= 40)
        {
            Console.Error.WriteLine($"  [server {Port}] {line}");
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server on port {Port} exited with code {_process.ExitCode} while starting.");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The server on port {Port} did not answer /health/live within 60 s.");
    }

    /// <summary>Resident set size in bytes (VmRSS of /proc/&lt;pid&gt;/status).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS not found.");
    }

    /// <summary>User + system CPU time of the process so far (utime + stime of /proc/&lt;pid&gt;/stat).</summary>
    /// <summary>How long the server process has been running.</summary>
    public TimeSpan Uptime => DateTime.Now - _process.StartTime;

    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ", field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>USER_HZ; 100 on every Linux the benchmark targets.</summary>
    private const int ClockTicksPerSecond = 100;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM first so the app shuts down the way it does in production.
            using (var term = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
