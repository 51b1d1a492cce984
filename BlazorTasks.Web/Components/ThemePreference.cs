namespace BlazorTasks.Web.Components;

/// <summary>
/// The light/dark choice lives in a cookie so that every page, static or interactive, renders in the
/// right palette on its first byte (no flash); the layout's toggle rewrites it from the browser.
/// </summary>
public static class ThemePreference
{
    public const string CookieName = "bt-theme";

    public static bool IsDark(HttpContext? context) =>
        context is not null && string.Equals(context.Request.Cookies[CookieName], "dark", StringComparison.Ordinal);
}
