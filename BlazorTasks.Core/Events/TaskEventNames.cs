namespace BlazorTasks.Core.Events;

public static class TaskEventNames
{
    public const string Created = "task-created";
    public const string Processing = "task-processing";
    public const string Progress = "task-progress";
    public const string Completed = "task-completed";
}
