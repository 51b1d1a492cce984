using System.Globalization;
using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Handlers;

/// <summary>
/// <c>data-export</c>: streams the caller's tasks (optionally only one status) into a CSV or JSON file,
/// row by row, reporting progress; the file is then downloadable from the task.
/// </summary>
public sealed class ExportTaskHandler(
    IDbContextFactory<TasksDbContext> dbFactory,
    TaskWriter writer,
    IOptions<StorageOptions> storage) : ITaskHandler
{
    public const string TypeName = "data-export";
    private const int ProgressEvery = 500;

    public string Type => TypeName;

    public string Description => "Exports your tasks to a downloadable CSV or JSON file, optionally only those with one status.";

    public IReadOnlyList<TaskPayloadField> Fields { get; } =
    [
        new("format", "string", true, "\"csv\" or \"json\"."),
        new("status", "string", false, "Only tasks with this status: pending, processing, completed, failed or canceled."),
    ];

    public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => Read(payload).Errors;

    public async Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken)
    {
        var settings = Read(context.Payload);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tasks = db.Tasks.AsNoTracking().Where(t => t.OwnerId == context.OwnerId);
        if (settings.Status is { } status)
        {
            tasks = tasks.Where(t => t.Status == status);
        }

        var total = await tasks.CountAsync(cancellationToken);
        await context.Progress.ReportAsync(0, $"exporting {total} tasks", cancellationToken);
        var rows = tasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).AsAsyncEnumerable().WithCancellation(cancellationToken);

        var written = 0;
        await using (var file = new ArtifactFile(storage.Value, context.TaskId, settings.Format))
        {
            if (settings.Format == "json")
            {
                await using var json = new Utf8JsonWriter(file.Stream);
                json.WriteStartArray();
                await foreach (var task in rows)
                {
                    JsonSerializer.Serialize(json, task.AsView(), TaskJson.Options);
                    await ProgressAsync(++written);
                    if (json.BytesPending > 32 * 1024)
                    {
                        await json.FlushAsync(cancellationToken);
                    }
                }

                json.WriteEndArray();
                await json.FlushAsync(cancellationToken);
            }
            else
            {
                await using var csv = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), leaveOpen: true) { AutoFlush = false };
                await csv.WriteLineAsync("taskId,type,status,attempt,maxAttempts,createdAt,startedAt,completedAt,durationMs,progressPercent,payload,result");
                await foreach (var task in rows)
                {
                    await csv.WriteLineAsync(CsvRow(task));
                    await ProgressAsync(++written);
                }

                await csv.FlushAsync(cancellationToken);
            }

            var fileName = $"tasks-export-{DateTime.UtcNow:yyyyMMdd-HHmmss}.{settings.Format}";
            await file.CommitAsync(writer, context.TaskId, settings.Format == "json" ? "application/json" : "text/csv", fileName, cancellationToken);
        }

        return TaskHandlerResult.Complete(new { format = settings.Format, status = settings.Status?.ToWire(), rows = written });

        async ValueTask ProgressAsync(int count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (count % ProgressEvery == 0)
            {
                await context.Progress.ReportAsync(count * 99 / Math.Max(1, total), $"exported {count} of {total} tasks", cancellationToken);
            }
        }
    }

    private static string CsvRow(TaskRecord task) => string.Join(',',
        task.Id.ToString(),
        Csv.Escape(task.Type),
        task.Status.ToWire(),
        task.Attempt.ToString(CultureInfo.InvariantCulture),
        task.MaxAttempts.ToString(CultureInfo.InvariantCulture),
        Time(task.CreatedAt),
        Time(task.StartedAt),
        Time(task.CompletedAt),
        task.StartedAt is { } started && task.CompletedAt is { } completed ? ((long)(completed - started).TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "",
        task.ProgressPercent?.ToString(CultureInfo.InvariantCulture) ?? "",
        Csv.Escape(task.PayloadJson),
        Csv.Escape(task.ResultJson));

    private static string Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) ?? "";

    private static Settings Read(JsonElement payload)
    {
        var reader = new PayloadReader(payload);
        if (!reader.TryGet("format", out _))
        {
            reader.AddError("format", "'format' is required: \"csv\" or \"json\".");
        }

        var format = reader.OneOf("format", "csv", "csv", "json")!;
        TaskState? status = null;
        if (reader.OneOf("status", null, "pending", "processing", "completed", "failed", "canceled") is { } statusName)
        {
            status = TaskStateNames.Parse(statusName);
        }

        return new Settings(format, status, reader.Errors);
    }

    private sealed record Settings(string Format, TaskState? Status, IReadOnlyDictionary<string, string[]> Errors);
}
