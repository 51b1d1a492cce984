using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlazorTasks.Tests.Browser;

/// <summary>A person in a real Chromium against the real app process: sign-up to a finished task, live.</summary>
public sealed class DashboardFlowTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Live = new() { Timeout = 20_000 };

    [Fact]
    public async Task SimulatedTaskAppearsInTheBellCompletesWithAToastAndShowsItsResult()
    {
        browser.RequireBrowser();
        var page = await browser.NewPageAsync();
        var email = PageSteps.NewEmail();

        await page.RegisterAsync(email);
        await Expect(page.GetByText("BlazorTasks").First).ToBeVisibleAsync();
        // MudBlazor's static web assets are served to the separate process: its CSS applies and its script loads.
        Assert.Equal("fixed", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.mud-appbar')).position"));
        Assert.Equal(200, await page.EvaluateAsync<int>("fetch(document.querySelector('script[src*=MudBlazor]').src).then(r => r.status)"));

        // Signed out, a dashboard address goes to the login page and comes back after signing in.
        await page.SignOutAsync();
        await page.GotoAsync("/dashboard/lab");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await page.ScreenshotAsync("login-light");
        await page.SignInOnLoginPageAsync(email, "/dashboard/lab");

        await Expect(page.GetByTestId("sse-state")).ToHaveTextAsync("open", new() { Timeout = 15_000 });
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "0");
        await Expect(page.GetByTestId("duration-label")).ToHaveTextAsync("2 s");

        await page.GetByTestId("start-simulated").ClickAsync();

        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "1", Live);
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "0", Live);
        var toast = page.Locator("[data-testid=task-toast][data-status=completed]");
        await Expect(toast).ToBeVisibleAsync();

        // The browser's own EventSource saw the whole life of the task, with ids and names.
        var feed = page.GetByTestId("sse-feed");
        await Expect(feed.Locator(".bt-sse-entry[data-event=task-completed]")).ToHaveCountAsync(1);
        await Expect(feed.Locator(".bt-sse-entry[data-event=task-created]")).ToHaveCountAsync(1);
        await Expect(feed.Locator(".bt-sse-entry[data-event=task-progress]").First).ToContainTextAsync("\"percent\"");
        await Expect(feed.Locator(".bt-sse-entry").First).ToContainTextAsync(new Regex(@"id:\s*\d+"));

        await toast.GetByText("View task").ClickAsync();
        await page.WaitForURLAsync(new Regex("/dashboard/tasks/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("task-status")).ToHaveAttributeAsync("data-status", "completed");
        await Expect(page.GetByTestId("task-result")).ToContainTextAsync("\"completedVia\": \"worker\"");
        await Expect(page.GetByTestId("event-log").Locator("tr[data-event=task-completed]")).ToHaveCountAsync(1);
        await page.ScreenshotAsync("details-light");
    }

    [Fact]
    public async Task FailingTaskShowsAnErrorToastAndItsErrorOnTheDetailsPage()
    {
        browser.RequireBrowser();
        var page = await browser.NewPageAsync();
        await page.RegisterAsync(PageSteps.NewEmail(), "/dashboard/lab");
        await Expect(page.GetByTestId("sse-state")).ToHaveTextAsync("open", new() { Timeout = 15_000 });

        await page.GetByTestId("fail").CheckAsync();
        await page.GetByTestId("start-simulated").ClickAsync();

        var toast = page.Locator("[data-testid=task-toast][data-status=failed]");
        await Expect(toast).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await toast.GetByText("View task").ClickAsync();
        await Expect(page.GetByTestId("task-status")).ToHaveAttributeAsync("data-status", "failed");
        await Expect(page.GetByTestId("task-error")).ToContainTextAsync("Simulated failure");
        await Expect(page.GetByTestId("retry-task")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LabSendsSignedAndWronglySignedWebhooksAndShowsTheServersAnswer()
    {
        browser.RequireBrowser();
        var page = await browser.NewPageAsync();
        await page.RegisterAsync(PageSteps.NewEmail(), "/dashboard/lab");

        await page.GetByTestId("create-external").ClickAsync();
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "1", Live);

        await page.GetByTestId("webhook-wrong").CheckAsync();
        await page.GetByTestId("webhook-send").ClickAsync();
        await Expect(page.GetByTestId("webhook-answer")).ToHaveAttributeAsync("data-status-code", "401");
        await Expect(page.GetByTestId("webhook-answer")).ToContainTextAsync("Invalid webhook signature");
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "1");

        await page.GetByTestId("webhook-wrong").UncheckAsync();
        await page.GetByTestId("webhook-send").ClickAsync();
        await Expect(page.GetByTestId("webhook-answer")).ToHaveAttributeAsync("data-status-code", "200");
        await Expect(page.GetByTestId("webhook-answer")).ToContainTextAsync("\"ok\": true");
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "0", Live);
        await Expect(page.Locator("[data-testid=task-toast][data-status=completed]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ScreenshotsOfDashboardLabAndBellInLightAndDark()
    {
        browser.RequireBrowser();
        var page = await browser.NewPageAsync();
        await page.RegisterAsync(PageSteps.NewEmail(), "/dashboard/lab");
        await Expect(page.GetByTestId("sse-state")).ToHaveTextAsync("open", new() { Timeout = 15_000 });

        // Some history for the chart and the cards: quick tasks, one failing, then long-running ones for the bell.
        await page.GetByTestId("burst").FillAsync("4");
        await page.GetByTestId("start-simulated").ClickAsync();
        await Expect(page.GetByTestId("sse-feed").Locator(".bt-sse-entry[data-event=task-completed]")).ToHaveCountAsync(4, new() { Timeout = 20_000 });
        await page.GetByTestId("fail").CheckAsync();
        await page.GetByTestId("burst").FillAsync("1");
        await page.GetByTestId("start-simulated").ClickAsync();
        await Expect(page.GetByTestId("sse-feed").Locator(".bt-sse-entry[data-event=task-completed]")).ToHaveCountAsync(5, new() { Timeout = 20_000 });
        await page.GetByTestId("fail").UncheckAsync();

        // Two long tasks keep the bell busy with live progress while the pages are photographed in both themes.
        await page.GetByTestId("duration").EvaluateAsync(
            "root => { const el = root.tagName === 'INPUT' ? root : root.querySelector('input'); el.value = '30'; el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); }");
        await Expect(page.GetByTestId("duration-label")).ToHaveTextAsync("30 s");
        await page.GetByTestId("burst").FillAsync("2");
        await page.GetByTestId("start-simulated").ClickAsync();
        await Expect(page.Bell()).ToHaveAttributeAsync("data-count", "2", Live);

        foreach (var theme in new[] { "light", "dark" })
        {
            if (theme == "dark")
            {
                await page.GetByTestId("theme-toggle").ClickAsync();
                await Expect(page.Locator("body")).ToHaveClassAsync(new Regex("bt-dark"));
            }

            await page.GotoAsync("/dashboard/lab");
            await page.WaitForInteractiveAsync();
            await Expect(page.GetByTestId("sse-feed").Locator(".bt-sse-entry[data-event=task-progress]").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await page.ScreenshotAsync($"lab-{theme}");

            await page.GetByTestId("bell-button").ClickAsync();
            await Expect(page.GetByTestId("bell-active")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("bell-active").First.Locator("[data-percent]")).Not.ToHaveAttributeAsync("data-percent", "0", Live);
            await page.WaitForFunctionAsync("() => { const p = document.querySelector('.bt-bell-popover.mud-popover-open'); return p && getComputedStyle(p).opacity === '1'; }");
            await page.ScreenshotAsync($"bell-{theme}");
            await page.Keyboard.PressAsync("Escape");

            await page.GotoAsync("/dashboard");
            await page.WaitForInteractiveAsync();
            await Expect(page.GetByTestId("count-completed")).ToContainTextAsync("4");
            await Expect(page.GetByTestId("count-processing")).ToContainTextAsync("2");
            await page.ScreenshotAsync($"dashboard-{theme}");

            await page.GotoAsync("/dashboard/tasks");
            await page.WaitForInteractiveAsync();
            await Expect(page.GetByTestId("task-link")).ToHaveCountAsync(7);
            await page.ScreenshotAsync($"tasks-{theme}");
        }

        // Phone width: the drawer folds away behind the menu button.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/dashboard");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("count-completed")).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-drawer").GetByText("API keys")).Not.ToBeInViewportAsync();
        await page.ScreenshotAsync("dashboard-phone-dark");
        await page.SetViewportSizeAsync(1366, 900);

        // The choice persisted: a fresh load renders dark from the cookie.
        await page.GotoAsync("/Account/Manage");
        await Expect(page.Locator("body")).ToHaveClassAsync(new Regex("bt-dark"));
        await page.ScreenshotAsync("account-dark");
    }
}
