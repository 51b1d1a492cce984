using System.Text.Json;
using BlazorTasks.Core.Webhooks;

namespace BlazorTasks.Core.Handlers;

/// <summary>
/// The demo task: sleeps through its steps reporting real progress, then completes or fails, either
/// directly (<c>completeVia: "worker"</c>) or by posting a signed outcome to the server's own webhook.
/// </summary>
public sealed class SimulatedTaskHandler(SelfWebhookClient webhook, TimeProvider time) : ITaskHandler
{
    public const string TypeName = "simulated";

    public string Type => TypeName;

    public string Description => "Sleeps through its steps reporting progress, then completes or fails.";

    public IReadOnlyList<TaskPayloadField> Fields { get; } =
    [
        new("durationMs", "integer", false, "Total duration in milliseconds (0–120000).", "3000"),
        new("steps", "integer", false, "Number of progress steps (1–100).", "10"),
        new("fail", "boolean", false, "End as failed instead of completed.", "false"),
        new("completeVia", "string", false, "\"worker\" or \"webhook\": report the outcome directly or through the signed webhook.", "\"worker\""),
    ];

    public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => Read(payload).Errors;

    public async Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken)
    {
        var settings = Read(context.Payload);
        var stepDelay = TimeSpan.FromMilliseconds((double)settings.DurationMs / settings.Steps);
        for (var step = 1; step <= settings.Steps; step++)
        {
            if (stepDelay > TimeSpan.Zero)
            {
                await Task.Delay(stepDelay, time, cancellationToken);
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            await context.Progress.ReportAsync(step * 100 / settings.Steps, $"step {step} of {settings.Steps}", cancellationToken);
        }

        var error = settings.Fail ? "Simulated failure (the payload asked for \"fail\": true)." : null;
        var result = new { steps = settings.Steps, durationMs = settings.DurationMs, completedVia = settings.CompleteVia, attempt = context.Attempt };

        if (settings.CompleteVia == "webhook")
        {
            await webhook.PostAsync(
                new WebhookPayload
                {
                    TaskId = context.TaskId,
                    Status = error is null ? "completed" : "failed",
                    Result = error is null ? JsonSerializer.SerializeToElement(result, Tasks.TaskJson.Options) : null,
                    Error = error,
                },
                cancellationToken);
            return TaskHandlerResult.Reported;
        }

        return error is null ? TaskHandlerResult.Complete(result) : TaskHandlerResult.Fail(error);
    }

    private static Settings Read(JsonElement payload)
    {
        var reader = new PayloadReader(payload);
        if (payload.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            reader.AddError("payload", "The payload must be a JSON object.");
        }

        return new Settings(
            reader.Int("durationMs", 3000, 0, 120_000),
            reader.Int("steps", 10, 1, 100),
            reader.Bool("fail", false),
            reader.OneOf("completeVia", "worker", "worker", "webhook")!,
            reader.Errors);
    }

    private sealed record Settings(int DurationMs, int Steps, bool Fail, string CompleteVia, IReadOnlyDictionary<string, string[]> Errors);
}
