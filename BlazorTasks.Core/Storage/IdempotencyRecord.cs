namespace BlazorTasks.Core.Storage;

/// <summary>An <c>Idempotency-Key</c> seen from one user, and the task it created.</summary>
public sealed class IdempotencyRecord
{
    public required string OwnerId { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 of the request body, to tell a replay from a different request.</summary>
    public required string RequestHash { get; set; }

    /// <summary>Null while the first request with this key is still being handled.</summary>
    public Guid? TaskId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A <c>webhook-id</c> already applied, so that a redelivery is a no-op.</summary>
public sealed class WebhookReceipt
{
    public required string MessageId { get; set; }
    public Guid TaskId { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>One attempt to deliver a task's terminal state to its <c>callbackUrl</c>.</summary>
public sealed class CallbackAttempt
{
    public long Id { get; set; }
    public Guid TaskId { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public bool Succeeded { get; set; }
    public double DurationMs { get; set; }
}
