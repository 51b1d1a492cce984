using System.Diagnostics;
using System.Globalization;

namespace BlazorTasks.Benchmarks;

/// <summary>What one wrk run reported (from the script's <c>done()</c> line).</summary>
internal sealed record WrkResult(long Requests, double Seconds, double P50Ms, double P99Ms, long Non202, long SocketErrors)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// Drives <c>wrk</c> (Debian package <c>wrk</c>) with a Lua script that posts the task JSON with the
/// bearer token, counts every answer that is not 202, and can stop after a number of requests.
/// </summary>
internal sealed class Wrk(string executable, string scriptFolder)
{
    public const string CreateBody = """{"type":"simulated","payload":{"durationMs":0,"steps":1}}""";

    private const string Script = """
        local threads = {}
        local counter = 0
        non202 = 0

        function setup(thread)
          table.insert(threads, thread)
        end

        function init(args)
          limit = tonumber(args[1]) or 0
        end

        function response(status, headers, body)
          counter = counter + 1
          if status ~= 202 then
            non202 = non202 + 1
          end
          if limit > 0 and counter >= limit then
            wrk.thread:stop()
          end
        end

        function done(summary, latency, requests)
          local bad = 0
          for _, thread in ipairs(threads) do
            bad = bad + thread:get("non202")
          end
          local e = summary.errors
          io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non202=%d errors=%d\n",
            summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
            e.connect + e.read + e.write + e.timeout))
        end
        """;

    public static string? Find()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(folder, "wrk");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>POSTs the task JSON for <paramref name="seconds"/>, or until <paramref name="limit"/> answers.</summary>
    /// <param name="stopWhen">Polled every few milliseconds; when it returns true wrk is interrupted (SIGINT) and reports.</param>
    public async Task<WrkResult> PostTasksAsync(Uri baseAddress, string? bearerToken, int connections, int seconds, int limit = 0, Func<bool>? stopWhen = null)
    {
        var script = Path.Combine(scriptFolder, "create-task.lua");
        var headers = $"wrk.method = \"POST\"\nwrk.body = '{CreateBody}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
            + (bearerToken is null ? "" : $"wrk.headers[\"Authorization\"] = \"Bearer {bearerToken}\"\n");
        await File.WriteAllTextAsync(script, headers + Script);

        const int threads = 2;
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-t", threads.ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{seconds}s",
            "--timeout", "10s",
            "--latency",
            "-s", script,
            new Uri(baseAddress, "/api/tasks").ToString(),
            "--", (limit == 0 ? 0 : (limit + threads - 1) / threads).ToString(CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stopWhen is not null)
        {
            // wrk's own stop() ends a thread's requests but not the run; SIGINT ends it and prints the summary.
            while (!process.HasExited && !stopWhen())
            {
                await Task.Delay(2);
            }

            if (!process.HasExited)
            {
                using var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await interrupt.WaitForExitAsync();
            }
        }

        await process.WaitForExitAsync();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("BENCH ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {process.ExitCode}): {await output} {await error}");
        var values = line["BENCH ".Length..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        return new WrkResult(
            values["requests"],
            values["duration_us"] / 1e6,
            values["p50_us"] / 1e3,
            values["p99_us"] / 1e3,
            values["non202"],
            values["errors"]);
    }
}
