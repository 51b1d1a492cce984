using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace BlazorTasks.Tests.Infrastructure;

/// <summary>
/// The real web app as a separate process (the build output of BlazorTasks.Web, run as
/// <c>dotnet BlazorTasks.Web.dll --urls …</c>) on a loopback port. The crash-recovery tests and the
/// browser tests both start the app through here. Disposing kills the whole process tree.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>What the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The BlazorTasks.Web project folder (the content root that serves its static web assets).</summary>
    public static string WebProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BlazorTasks.sln")))
            {
                return Path.Combine(directory.FullName, "BlazorTasks.Web");
            }
        }

        throw new DirectoryNotFoundException($"No BlazorTasks.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>BlazorTasks.Web.dll of the same configuration as this test assembly.</summary>
    public static string WebAssemblyPath()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name; // net10.0
        var configuration = testOutput.Parent!.Name; // Debug or Release
        var dll = Path.Combine(WebProjectDirectory(), "bin", configuration, framework, "BlazorTasks.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build BlazorTasks.Web ({configuration}) first.", dll);
    }

    /// <summary>
    /// Starts the app and waits until <c>/health/ready</c> answers. By default it runs in Production from
    /// its build output; the browser tests run it in Development from the project folder, where the static
    /// web assets of referenced packages (MudBlazor) are served from the build output.
    /// </summary>
    public static async Task<AppProcess> StartAsync(
        int port,
        IReadOnlyDictionary<string, string> environment,
        string environmentName = "Production",
        string? workingDirectory = null,
        TimeSpan? readyTimeout = null)
    {
        var dll = WebAssemblyPath();
        var url = $"http://127.0.0.1:{port}";
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(url);
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
        startInfo.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new AppProcess(process, new Uri(url));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    public HttpClient CreateClient(string? accessToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>Registers and logs in over HTTP; returns the bearer token.</summary>
    public async Task<string> RegisterAndLoginAsync(string email, string password)
    {
        using var client = CreateClient();
        var register = await client.PostAsJsonAsync("/api/auth/register", new { email, password });
        Assert.True(register.IsSuccessStatusCode, await register.Content.ReadAsStringAsync());
        return await LoginAsync(email, password);
    }

    public async Task<string> LoginAsync(string email, string password)
    {
        using var client = CreateClient();
        var login = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>Kills the process and everything it started, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                var response = await client.GetAsync("/health/ready", cts.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cts.IsCancellationRequested)
            {
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The app did not become ready within {timeout}:\n{Output}");
            }
        }
    }
}
