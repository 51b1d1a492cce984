using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace BlazorTasks.Benchmarks;

/// <summary>One row of the table: the measured figure, its baseline (when it has one) and the target.</summary>
internal sealed record FigureResult(string Figure, string Measured, string Baseline, string Target, bool Met)
{
    public string? Note { get; init; }

    public Dictionary<string, object> Data { get; init; } = [];
}

internal sealed class Report
{
    public List<FigureResult> Figures { get; } = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public static string Machine()
    {
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
            : null;
        return $"{Environment.ProcessorCount} cores, {os ?? RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    public string ToMarkdown(bool quick)
    {
        var text = new StringBuilder();
        text.AppendLine($"Measured {StartedAt:yyyy-MM-dd HH:mm} UTC on {Machine()}{(quick ? " — quick mode (scaled down)" : "")}.");
        text.AppendLine();
        text.AppendLine("| figure | measured | baseline (same run) | target | met |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var figure in Figures)
        {
            text.AppendLine($"| {figure.Figure} | {figure.Measured} | {figure.Baseline} | {figure.Target} | {(figure.Met ? "yes" : "**no**")} |");
        }

        var notes = Figures.Where(f => f.Note is not null).ToList();
        if (notes.Count > 0)
        {
            text.AppendLine();
            foreach (var figure in notes)
            {
                text.AppendLine($"- {figure.Figure}: {figure.Note}");
            }
        }

        return text.ToString();
    }

    public string Save(string repositoryRoot, bool quick)
    {
        var folder = Path.Combine(repositoryRoot, "BenchmarkResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{StartedAt:yyyyMMdd-HHmmss}{(quick ? "-quick" : "")}.json");
        var json = JsonSerializer.Serialize(
            new { startedAt = StartedAt, machine = Machine(), quick, figures = Figures },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(path, json);
        return path;
    }
}

internal static class Stats
{
    /// <summary>Nearest-rank percentile of <paramref name="values"/> (0–100).</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);

    public static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 10 ? "0.00" : "0.0", System.Globalization.CultureInfo.InvariantCulture) + " ms";

    public static string N(double value, string format = "#,0") => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
