namespace BlazorTasks.Core.Capabilities;

/// <summary>How long finished tasks, their artifacts and idempotency keys are kept (section <c>Tasks</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Tasks";

    /// <summary>Finished tasks (and their artifact files and callback attempts) older than this are deleted.</summary>
    public double RetentionDays { get; set; } = 30;

    /// <summary>Idempotency keys are kept at least this long.</summary>
    public double IdempotencyKeyHours { get; set; } = 24;

    /// <summary>How often the clean-up runs.</summary>
    public double CleanupMinutes { get; set; } = 10;
}
