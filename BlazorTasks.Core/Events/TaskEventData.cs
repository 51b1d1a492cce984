using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Core.Events;

/// <summary>The <c>data:</c> of a live event.</summary>
public sealed record TaskEventData(
    Guid TaskId,
    string Type,
    TaskState Status,
    TaskProgress? Progress,
    int Attempt,
    DateTimeOffset At)
{
    /// <summary>On a failed task, its error message.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

/// <summary>A committed event as the hub delivers it: the outbox row plus its parsed data.</summary>
public sealed record TaskEvent(long Id, string Name, string OwnerId, string DataJson, TaskEventData Data)
{
    public Guid TaskId => Data.TaskId;
}
