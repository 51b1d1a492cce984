using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Browser;

/// <summary>
/// The real app for the browser: an <see cref="AppProcess"/> on a free loopback port with its own data
/// folder, in Development from the project folder so MudBlazor's static web assets are served, so a
/// browser can drive it over real HTTP and WebSockets.
/// </summary>
public sealed class AppServer : IAsyncDisposable
{
    private readonly AppProcess _app;

    private AppServer(AppProcess app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
    }

    public Uri BaseAddress => _app.BaseAddress;

    public string DataDirectory { get; }

    public string Output => _app.Output;

    public static async Task<AppServer> StartAsync(TimeSpan timeout)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "blazortasks-browser", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var environment = new Dictionary<string, string>
        {
            ["Storage__DataDirectory"] = dataDirectory,
            ["DOTNET_USE_POLLING_FILE_WATCHER"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var app = await AppProcess.StartAsync(
            AppProcess.FreePort(),
            environment,
            environmentName: "Development",
            workingDirectory: AppProcess.WebProjectDirectory(),
            readyTimeout: timeout);
        return new AppServer(app, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
