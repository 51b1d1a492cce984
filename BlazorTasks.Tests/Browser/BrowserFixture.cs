using Microsoft.Playwright;

namespace BlazorTasks.Tests.Browser;

/// <summary>
/// One app process and one headless Debian Chromium for a test class. Without <c>/usr/bin/chromium</c>
/// the tests skip with the command that installs it — except on CI (<c>CI=true</c>), where they fail.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;

    public AppServer App { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public static bool HasChromium => File.Exists(ChromiumPath);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "test-output", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!HasChromium)
        {
            return;
        }

        // The driver ships inside the Playwright package; the browser is Debian's, never a download.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        App = await AppServer.StartAsync(TimeSpan.FromSeconds(60));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>Call first in every browser test.</summary>
    public void RequireBrowser()
    {
        if (HasChromium)
        {
            return;
        }

        const string message = $"Browser tests need Debian's Chromium at {ChromiumPath}: run `apt-get install -y chromium`.";
        if (IsCi)
        {
            Assert.Fail(message + " (CI=true: a CI run without a browser fails instead of skipping.)");
        }

        Assert.Skip(message);
    }

    public async Task<IPage> NewPageAsync(int width = 1366, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
