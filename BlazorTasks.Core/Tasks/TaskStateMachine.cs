namespace BlazorTasks.Core.Tasks;

/// <summary>What applying a requested state to a task's current state does.</summary>
public enum TransitionDecision
{
    /// <summary>The change is allowed: write it and raise its event.</summary>
    Apply,

    /// <summary>Nothing to do (the same terminal state reported again): answer success, raise nothing.</summary>
    NoOp,

    /// <summary>The state machine forbids it (e.g. completed → failed).</summary>
    Forbidden,
}

/// <summary>
/// The one place that knows which task transitions are legal.
/// <code>
/// pending → processing → completed | failed
/// pending | processing → canceled
/// processing → pending   (internal only: a retry after a failed attempt or a lost lease)
/// </code>
/// Terminal states never change; reporting the same terminal state again is a no-op.
/// </summary>
public static class TaskStateMachine
{
    public static TransitionDecision Decide(TaskState current, TaskState requested)
    {
        if (current.IsTerminal())
        {
            return current == requested ? TransitionDecision.NoOp : TransitionDecision.Forbidden;
        }

        return (current, requested) switch
        {
            (TaskState.Pending, TaskState.Processing) => TransitionDecision.Apply,
            (TaskState.Pending, TaskState.Canceled) => TransitionDecision.Apply,
            // A processing task may report processing again: that is a progress update.
            (TaskState.Processing, TaskState.Processing) => TransitionDecision.Apply,
            (TaskState.Processing, TaskState.Completed) => TransitionDecision.Apply,
            (TaskState.Processing, TaskState.Failed) => TransitionDecision.Apply,
            (TaskState.Processing, TaskState.Canceled) => TransitionDecision.Apply,
            (TaskState.Processing, TaskState.Pending) => TransitionDecision.Apply,
            _ => TransitionDecision.Forbidden,
        };
    }

    public static bool CanMove(TaskState current, TaskState requested) =>
        Decide(current, requested) == TransitionDecision.Apply;
}
