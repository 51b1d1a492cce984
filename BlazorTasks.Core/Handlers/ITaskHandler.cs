using System.Text.Json;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Core.Handlers;

/// <summary>
/// The work of one task type. Resolved by <see cref="Type"/> from DI, run in its own scope with the
/// payload, a progress reporter and a cancellation token (canceled on cancel request, timeout or shutdown).
/// Throwing means "this attempt failed" and is retried with backoff up to the type's maxAttempts;
/// returning <see cref="TaskHandlerResult.Fail"/> is a deliberate, final failure.
/// </summary>
public interface ITaskHandler
{
    string Type { get; }

    string Description { get; }

    IReadOnlyList<TaskPayloadField> Fields { get; }

    /// <summary>Checks a payload before the task is created; returns field → messages, empty when valid.</summary>
    IReadOnlyDictionary<string, string[]> Validate(JsonElement payload);

    Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken);
}

public sealed record TaskPayloadField(string Name, string Type, bool Required, string Description, string? Default = null);

public sealed class TaskRunContext
{
    public required Guid TaskId { get; init; }
    public required string OwnerId { get; init; }
    public required string Type { get; init; }
    public required JsonElement Payload { get; init; }
    public required int Attempt { get; init; }
    public required ITaskProgress Progress { get; init; }

    /// <summary>The task's snapshot when it was claimed.</summary>
    public required TaskRecord Task { get; init; }
}

public interface ITaskProgress
{
    /// <summary>Reports progress; cheap to call often (throttled to a few writes per second).</summary>
    ValueTask ReportAsync(int percent, string? message, CancellationToken cancellationToken = default);
}

public abstract record TaskHandlerResult
{
    private TaskHandlerResult()
    {
    }

    public static TaskHandlerResult Complete(object? result) => new Completed(JsonSerializer.Serialize(result, TaskJson.Options));

    public static TaskHandlerResult CompleteJson(string resultJson) => new Completed(resultJson);

    public static TaskHandlerResult Fail(string error) => new Failed(error);

    /// <summary>No local work: the task stays processing until a signed webhook reports its outcome.</summary>
    public static TaskHandlerResult WaitForCallback(TimeSpan timeout) => new AwaitingCallback(timeout);

    /// <summary>The handler already delivered its outcome through the webhook.</summary>
    public static TaskHandlerResult Reported { get; } = new ReportedElsewhere();

    public sealed record Completed(string ResultJson) : TaskHandlerResult;

    public sealed record Failed(string Error) : TaskHandlerResult;

    public sealed record AwaitingCallback(TimeSpan Timeout) : TaskHandlerResult;

    public sealed record ReportedElsewhere : TaskHandlerResult;
}
