using BlazorTasks.Core.Tasks;
using MudBlazor;

namespace BlazorTasks.Web.Components;

/// <summary>The product's palette and typography, and the colour and icon of every task status.</summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#db2777",
            Info = "#0284c7",
            Success = "#16a34a",
            Warning = "#d97706",
            Error = "#dc2626",
            AppbarBackground = "#1e1b4b",
            AppbarText = "#f8fafc",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
            TextPrimary = "#0f172a",
            TextSecondary = "#475569",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#f472b6",
            Info = "#38bdf8",
            Success = "#4ade80",
            Warning = "#fbbf24",
            Error = "#f87171",
            AppbarBackground = "#111827",
            AppbarText = "#f8fafc",
            Background = "#0b1020",
            Surface = "#151b2e",
            DrawerBackground = "#111827",
            TextPrimary = "#e5e7eb",
            TextSecondary = "#9ca3af",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"] },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };

    public static Color ColorOf(TaskState status) => status switch
    {
        TaskState.Pending => Color.Default,
        TaskState.Processing => Color.Info,
        TaskState.Completed => Color.Success,
        TaskState.Failed => Color.Error,
        TaskState.Canceled => Color.Warning,
        _ => Color.Default,
    };

    public static string IconOf(TaskState status) => status switch
    {
        TaskState.Pending => Icons.Material.Outlined.Schedule,
        TaskState.Processing => Icons.Material.Outlined.Autorenew,
        TaskState.Completed => Icons.Material.Outlined.CheckCircle,
        TaskState.Failed => Icons.Material.Outlined.ErrorOutline,
        TaskState.Canceled => Icons.Material.Outlined.Block,
        _ => Icons.Material.Outlined.HelpOutline,
    };

    /// <summary>"850 ms", "2.4 s", "3 min 5 s", "1 h 2 min".</summary>
    public static string FormatDuration(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalMilliseconds: < 1000 } d => $"{d.TotalMilliseconds:0} ms",
        { TotalSeconds: < 60 } d => $"{d.TotalSeconds:0.0} s",
        { TotalMinutes: < 60 } d => $"{(int)d.TotalMinutes} min {d.Seconds} s",
        { } d => $"{(int)d.TotalHours} h {d.Minutes} min",
    };

    /// <summary>"just now", "5 s ago", "3 min ago", or a date.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var elapsed = now - at;
        return elapsed.TotalSeconds switch
        {
            < 2 => "just now",
            < 60 => $"{(int)elapsed.TotalSeconds} s ago",
            < 3600 => $"{(int)elapsed.TotalMinutes} min ago",
            < 86400 => $"{(int)elapsed.TotalHours} h ago",
            _ => at.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
