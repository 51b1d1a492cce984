namespace BlazorTasks.Core.Events;

/// <summary>
/// One row of the event outbox. Written in the same transaction as the state change it describes;
/// its <see cref="Id"/> is the SSE <c>id:</c>, which makes <c>Last-Event-ID</c> resume exact.
/// </summary>
public sealed class TaskEventRecord
{
    public long Id { get; set; }
    public Guid TaskId { get; set; }
    public required string OwnerId { get; set; }
    public required string Name { get; set; }

    /// <summary>The event's <c>data:</c> JSON, serialized once when written.</summary>
    public required string DataJson { get; set; }

    public DateTimeOffset At { get; set; }
}
