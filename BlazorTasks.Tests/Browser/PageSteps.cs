using Microsoft.Playwright;

namespace BlazorTasks.Tests.Browser;

/// <summary>What a person does in the browser, as reusable steps.</summary>
public static class PageSteps
{
    public const string Password = "Browser-Passw0rd!";

    public static string NewEmail() => $"browser-{Guid.NewGuid():N}@example.test";

    /// <summary>Registers through the Identity page; the app signs the new user in and returns to <paramref name="returnUrl"/>.</summary>
    public static async Task RegisterAsync(this IPage page, string email, string returnUrl = "/dashboard")
    {
        await page.GotoAsync($"/Account/Register?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.Locator("[id='Input.Email']").FillAsync(email);
        await page.Locator("[id='Input.Password']").FillAsync(Password);
        await page.Locator("[id='Input.ConfirmPassword']").FillAsync(Password);
        await page.Locator("button[type=submit].btn-primary").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == returnUrl);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>Fills the login form the app redirected to, and waits to land on <paramref name="returnUrl"/>.</summary>
    public static async Task SignInOnLoginPageAsync(this IPage page, string email, string returnUrl)
    {
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase));
        await page.Locator("[id='Input.Email']").FillAsync(email);
        await page.Locator("[id='Input.Password']").FillAsync(Password);
        await page.Locator("button[type=submit].btn-primary").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == returnUrl);
        await page.WaitForInteractiveAsync();
    }

    public static async Task SignOutAsync(this IPage page)
    {
        await page.GetByTestId("account-button").ClickAsync();
        try
        {
            await page.GetByTestId("sign-out").ClickAsync();
        }
        catch (TimeoutException)
        {
            await File.WriteAllTextAsync("/tmp/bt-debug.html", await page.ContentAsync());
            await page.ScreenshotAsync("debug-signout");
            throw;
        }
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
    }

    /// <summary>Waits until the Blazor circuit has taken over the prerendered page (buttons work from then on).</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("[data-testid=circuit][data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public static ILocator Bell(this IPage page) => page.GetByTestId("bell");

    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = false });
    }
}
