namespace BlazorTasks.Core.Tasks;

/// <summary>The life cycle of a task. Serialized as lowercase strings ("pending", "processing", ...).</summary>
public enum TaskState
{
    Pending,
    Processing,
    Completed,
    Failed,
    Canceled,
}

public static class TaskStateNames
{
    public static string ToWire(this TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Processing => "processing",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Canceled => "canceled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? value, out TaskState state)
    {
        switch (value)
        {
            case "pending": state = TaskState.Pending; return true;
            case "processing": state = TaskState.Processing; return true;
            case "completed": state = TaskState.Completed; return true;
            case "failed": state = TaskState.Failed; return true;
            case "canceled": state = TaskState.Canceled; return true;
            default: state = default; return false;
        }
    }

    public static TaskState Parse(string value) =>
        TryParse(value, out var state) ? state : throw new FormatException($"Unknown task state '{value}'.");

    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Canceled;
}
