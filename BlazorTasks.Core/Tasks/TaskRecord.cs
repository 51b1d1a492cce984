namespace BlazorTasks.Core.Tasks;

/// <summary>The stored row of a task: the database is the queue of record.</summary>
public sealed class TaskRecord
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Type { get; set; }
    public TaskState Status { get; set; }

    /// <summary>The payload as the caller sent it (JSON).</summary>
    public required string PayloadJson { get; set; }

    /// <summary>The result (JSON) once terminal; <c>{"error": "..."}</c> on failure.</summary>
    public string? ResultJson { get; set; }

    public int? ProgressPercent { get; set; }
    public string? ProgressMessage { get; set; }

    public int Attempt { get; set; } = 1;
    public int MaxAttempts { get; set; } = 3;

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Earliest time a worker may claim the task (retry backoff); null means now.</summary>
    public DateTimeOffset? NotBefore { get; set; }

    /// <summary>The worker process holding the task while it runs.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the running worker's lease runs out; renewed while the handler runs.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>For tasks that wait for an outside callback: when to give up.</summary>
    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>A cancel was requested while processing; the handler is being stopped.</summary>
    public bool CancelRequested { get; set; }

    public string? CallbackUrl { get; set; }
    public string? CallbackStatus { get; set; }
    public int CallbackAttempts { get; set; }
    public DateTimeOffset? CallbackNextAttemptAt { get; set; }

    /// <summary>Relative path (in the data directory) of a downloadable result file.</summary>
    public string? ArtifactPath { get; set; }
    public string? ArtifactContentType { get; set; }
    public string? ArtifactFileName { get; set; }

    /// <summary>The task this one retries, when created by a manual retry.</summary>
    public Guid? RetryOf { get; set; }
}
