using System.Globalization;
using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Handlers;

/// <summary>
/// <c>generate-report</c>: a real report over the caller's tasks created in <c>dateRange</c>: counts
/// per status and per type, and p50/p95 durations of completed tasks (overall and per type). The result
/// is JSON; the same figures are written as a downloadable CSV.
/// </summary>
public sealed class ReportTaskHandler(
    IDbContextFactory<TasksDbContext> dbFactory,
    TaskWriter writer,
    IOptions<StorageOptions> storage) : ITaskHandler
{
    public const string TypeName = "generate-report";
    private const int ProgressEvery = 500;

    public string Type => TypeName;

    public string Description => "Counts your tasks created in a date range per status and type, with p50/p95 durations; JSON result plus a CSV download.";

    public IReadOnlyList<TaskPayloadField> Fields { get; } =
    [
        new("dateRange", "object", true, "{\"from\": \"2026-12-01\", \"to\": \"2026-12-31\"}: ISO-8601 dates or times (UTC); a date-only 'to' includes that whole day."),
    ];

    public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => Read(payload).Errors;

    public async Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken)
    {
        var (from, to, _) = Read(context.Payload);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tasks = db.Tasks.AsNoTracking().Where(t => t.OwnerId == context.OwnerId && t.CreatedAt >= from && t.CreatedAt < to);
        var total = await tasks.CountAsync(cancellationToken);
        await context.Progress.ReportAsync(0, $"reading {total} tasks", cancellationToken);

        var byStatus = Enum.GetValues<TaskState>().ToDictionary(s => s.ToWire(), _ => 0);
        var byType = new SortedDictionary<string, TypeFigures>(StringComparer.Ordinal);
        var durations = new List<double>();
        var read = 0;
        await foreach (var task in tasks.Select(t => new { t.Status, t.Type, t.StartedAt, t.CompletedAt }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            byStatus[task.Status.ToWire()]++;
            if (!byType.TryGetValue(task.Type, out var figures))
            {
                byType[task.Type] = figures = new TypeFigures();
            }

            figures.Count++;
            if (task.Status == TaskState.Completed && task.StartedAt is { } started && task.CompletedAt is { } completed)
            {
                var ms = (completed - started).TotalMilliseconds;
                durations.Add(ms);
                figures.Durations.Add(ms);
            }

            if (++read % ProgressEvery == 0)
            {
                await context.Progress.ReportAsync(read * 90 / Math.Max(1, total), $"read {read} of {total} tasks", cancellationToken);
            }
        }

        var report = new
        {
            from,
            to,
            total = read,
            byStatus,
            byType = byType.ToDictionary(
                t => t.Key,
                t => new { count = t.Value.Count, durationMs = DurationFigures.Of(t.Value.Durations) }),
            durationMs = DurationFigures.Of(durations),
        };

        await context.Progress.ReportAsync(95, "writing the CSV", cancellationToken);
        await using (var file = new ArtifactFile(storage.Value, context.TaskId, "csv"))
        {
            await using (var csv = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
            {
                await csv.WriteLineAsync("section,key,count,completed,p50Ms,p95Ms");
                await csv.WriteLineAsync(Row("total", "all", read, report.durationMs));
                foreach (var (status, count) in byStatus)
                {
                    await csv.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"status,{status},{count},,,"));
                }

                foreach (var (type, figures) in byType)
                {
                    await csv.WriteLineAsync(Row("type", type, figures.Count, DurationFigures.Of(figures.Durations)));
                }
            }

            var fileName = string.Create(CultureInfo.InvariantCulture, $"report-{from:yyyyMMdd}-{to.AddTicks(-1):yyyyMMdd}.csv");
            await file.CommitAsync(writer, context.TaskId, "text/csv", fileName, cancellationToken);
        }

        return TaskHandlerResult.Complete(report);
    }

    private static string Row(string section, string key, int count, DurationFigures durations) =>
        string.Create(CultureInfo.InvariantCulture, $"{section},{Csv.Escape(key)},{count},{durations.Count},{durations.P50},{durations.P95}");

    private static (DateTimeOffset From, DateTimeOffset To, IReadOnlyDictionary<string, string[]> Errors) Read(JsonElement payload)
    {
        var reader = new PayloadReader(payload);
        DateTimeOffset from = default, to = default;
        if (!reader.TryGet("dateRange", out var range) || range.ValueKind != JsonValueKind.Object)
        {
            reader.AddError("dateRange", "'dateRange' is required: {\"from\": \"2026-12-01\", \"to\": \"2026-12-31\"}.");
            return (from, to, reader.Errors);
        }

        var hasFrom = TryDate(range, "from", endOfDay: false, out from);
        var hasTo = TryDate(range, "to", endOfDay: true, out to);
        if (!hasFrom)
        {
            reader.AddError("dateRange.from", "'dateRange.from' must be an ISO-8601 date or time.");
        }

        if (!hasTo)
        {
            reader.AddError("dateRange.to", "'dateRange.to' must be an ISO-8601 date or time.");
        }

        if (hasFrom && hasTo && to <= from)
        {
            reader.AddError("dateRange", "'dateRange.to' must be after 'dateRange.from'.");
        }

        return (from, to, reader.Errors);
    }

    private static bool TryDate(JsonElement range, string name, bool endOfDay, out DateTimeOffset value)
    {
        value = default;
        if (!range.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var text = element.GetString()!;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (endOfDay)
            {
                value = value.AddDays(1);
            }

            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private sealed class TypeFigures
    {
        public int Count { get; set; }

        public List<double> Durations { get; } = [];
    }
}

/// <summary>Count and nearest-rank percentiles of durations in milliseconds (null when there are none).</summary>
public sealed record DurationFigures(int Count, double? P50, double? P95)
{
    public static DurationFigures Of(List<double> durations)
    {
        if (durations.Count == 0)
        {
            return new DurationFigures(0, null, null);
        }

        durations.Sort();
        return new DurationFigures(durations.Count, Percentile(durations, 0.50), Percentile(durations, 0.95));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);
}

internal static class Csv
{
    public static string Escape(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
