using System.Diagnostics;
using System.Security.Cryptography;

namespace BlazorTasks.Benchmarks;

/// <summary>Builds the app in Release, starts it and the baseline as separate processes, runs every figure.</summary>
internal static class BenchmarkRunner
{
    public static async Task<int> RunAsync(BenchmarkSettings settings)
    {
        var root = FindRepositoryRoot();
        var wrkPath = Wrk.Find();
        if (wrkPath is null && (settings.Runs("creation") || settings.Runs("processing")))
        {
            Console.Error.WriteLine("wrk is not installed. Install it with: apt-get install -y wrk");
            return 2;
        }

        Console.WriteLine("Building BlazorTasks.Web in Release…");
        var appDll = await BuildAppAsync(root);
        var scripts = Directory.CreateTempSubdirectory("blazortasks-bench-wrk-").FullName;
        var wrk = new Wrk(wrkPath ?? "wrk", scripts);
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var report = new Report();
        var figures = new Figures(settings, wrk, report);
        var total = Stopwatch.StartNew();

        try
        {
            if (settings.Runs("creation") || settings.Runs("processing") || settings.Runs("start") || settings.Runs("fanout") || settings.Runs("idle"))
            {
                await using var app = await ServerProcess.StartAppAsync(appDll, secret, new Dictionary<string, string>(settings.AppSettings));
                await using var baseline = await ServerProcess.StartBaselineAsync();
                using var client = new AppClient(app.BaseAddress, secret);
                await client.SignInAdminAsync();
                Console.WriteLine($"App pid {app.Pid} on {app.BaseAddress}, baseline pid {baseline.Pid} on {baseline.BaseAddress}.");

                if (settings.Runs("creation"))
                {
                    await figures.CreationRateAsync(app, baseline, client);
                }

                if (settings.Runs("processing"))
                {
                    await figures.ProcessingThroughputAsync(app, client);
                }

                if (settings.Runs("start"))
                {
                    await figures.StartLatencyAsync(app, client);
                }

                if (settings.Runs("fanout"))
                {
                    await figures.FanOutAsync(app, client);
                }

                if (settings.Runs("idle"))
                {
                    await figures.IdleCostAsync(app, client);
                }
            }

            if (settings.Runs("memory"))
            {
                foreach (var streams in settings.MemoryStreams)
                {
                    await figures.SseMemoryAsync(appDll, secret, streams);
                }
            }
        }
        finally
        {
            Directory.Delete(scripts, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine(report.ToMarkdown(settings.Quick));
        Console.WriteLine($"Saved {report.Save(root, settings.Quick)} ({total.Elapsed.TotalSeconds:0} s).");
        return 0;
    }

    private static async Task<string> BuildAppAsync(string root)
    {
        var project = Path.Combine(root, "BlazorTasks.Web", "BlazorTasks.Web.csproj");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "build", project, "-c", "Release", "-nologo", "-v", "q", "-clp:ErrorsOnly" })
        {
            info.ArgumentList.Add(argument);
        }

        using var build = Process.Start(info)!;
        var output = await build.StandardOutput.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"Building the app failed:\n{output}");
        }

        var dll = Path.Combine(root, "BlazorTasks.Web", "bin", "Release", "net10.0", "BlazorTasks.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("The Release build of the app is missing.", dll);
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "BlazorTasks.sln")))
            {
                return folder.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
