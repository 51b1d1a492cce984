namespace BlazorTasks.Core.Tasks;

/// <summary>
/// A report about a running task, from a worker or a signed webhook: a progress update
/// (<see cref="TaskState.Processing"/>) or an outcome (completed, failed, canceled).
/// </summary>
public sealed record TaskOutcome(Guid TaskId, TaskState Status)
{
    /// <summary>The result JSON on completion.</summary>
    public string? ResultJson { get; init; }

    /// <summary>The error message on failure (stored as <c>{"error": ...}</c>).</summary>
    public string? Error { get; init; }

    public TaskProgress? Progress { get; init; }

    /// <summary>The webhook message id; a second delivery of the same id is a no-op.</summary>
    public string? WebhookId { get; init; }

    /// <summary>
    /// Set by a worker: the lease it holds. The outcome only applies while that lease is still the
    /// task's, so a worker that lost its lease cannot overwrite the attempt that replaced it.
    /// </summary>
    public string? LeaseOwner { get; init; }

    /// <summary>
    /// When a webhook moves a still-pending task to processing: how long to wait for its outcome
    /// before failing it with "timed out waiting for callback".
    /// </summary>
    public TimeSpan? CallbackTimeout { get; init; }

    public static TaskOutcome Completed(Guid taskId, string? resultJson) => new(taskId, TaskState.Completed) { ResultJson = resultJson };

    public static TaskOutcome Failed(Guid taskId, string error) => new(taskId, TaskState.Failed) { Error = error };

    public static TaskOutcome Canceled(Guid taskId) => new(taskId, TaskState.Canceled);
}

public enum ApplyStatus
{
    Applied,
    NoOp,
    NotFound,
    Conflict,
}

public sealed record ApplyResult(ApplyStatus Status, TaskState? Current = null, string? Detail = null)
{
    public static ApplyResult NotFound { get; } = new(ApplyStatus.NotFound);
}
