using BlazorTasks.Tests.Browser;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>The API keys page in a real browser (Debian's Chromium) against the app on Kestrel.</summary>
public sealed class ApiKeysPageBrowserTests : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly BrowserFactory _app = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    public async ValueTask InitializeAsync()
    {
        _app.With("DetailedErrors", "true");
        _app.UseKestrel(0);
        _app.StartServer();
        _baseUrl = _app.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox"],
        });
    }

    [Fact]
    public async Task AUserCreatesAKeySeesItOnceUsesItAndRevokesIt()
    {
        Assert.SkipUnless(File.Exists(ChromiumPath), "Debian's chromium is not installed");
        var user = await _app.CreateUserAsync();
        var page = await _browser!.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);

        await page.GotoAsync($"{_baseUrl}/Account/Login?ReturnUrl=%2Fdashboard%2Fapi-keys");
        await page.FillAsync("#Input\\.Email", user.Email);
        await page.FillAsync("#Input\\.Password", BlazorTasksFactory.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/dashboard/api-keys");
        await page.WaitForInteractiveAsync();
        try
        {
            await Assertions.Expect(page.GetByText("You have no API keys yet.")).ToBeVisibleAsync();
        }
        catch (PlaywrightException)
        {
            Assert.Fail(string.Join("\n", console));
        }

        await page.FillAsync("#api-key-name", "deploy bot");
        await page.ClickAsync("button:has-text('Create key')");
        var shown = page.Locator("[data-testid=new-api-key] code");
        await Assertions.Expect(shown).ToContainTextAsync("btk_");
        var key = await shown.InnerTextAsync();

        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/tasks")).StatusCode);

        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("deploy bot");
        await page.ClickAsync("button:has-text('Revoke')");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("revoked");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tasks")).StatusCode);

        // Reloading never shows the key again.
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("deploy bot");
        Assert.DoesNotContain(key, await page.ContentAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>Serves the app's static web assets (blazor.web.js, CSS) outside the Development environment.</summary>
    private sealed class BrowserFactory : BlazorTasksFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            Microsoft.AspNetCore.Hosting.WebHostBuilderExtensions.UseStaticWebAssets(builder);
        }
    }
}
