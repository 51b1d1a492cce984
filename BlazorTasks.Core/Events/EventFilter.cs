namespace BlazorTasks.Core.Events;

/// <summary>Which events a subscriber wants: one owner's, one task's, or (admins) everyone's.</summary>
public sealed record EventFilter(string? OwnerId, Guid? TaskId)
{
    public static EventFilter All { get; } = new(null, null);

    public static EventFilter ForOwner(string ownerId) => new(ownerId, null);

    public static EventFilter ForTask(Guid taskId, string? ownerId = null) => new(ownerId, taskId);

    public bool Matches(TaskEvent taskEvent) =>
        (OwnerId is null || string.Equals(OwnerId, taskEvent.OwnerId, StringComparison.Ordinal))
        && (TaskId is null || TaskId == taskEvent.TaskId);
}
