namespace BlazorTasks.Web.Components;

/// <summary>The circuit's light/dark choice, cascaded from <c>Routes</c>; seeded from the theme cookie.</summary>
public sealed class ThemeState(bool isDark)
{
    public bool IsDark { get; set; } = isDark;
}
