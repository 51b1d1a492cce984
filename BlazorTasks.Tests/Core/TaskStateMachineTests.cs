using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Tests.Core;

public sealed class TaskStateMachineTests
{
    /// <summary>The transitions the state machine applies; every other pair is forbidden or a no-op.</summary>
    private static readonly HashSet<(TaskState From, TaskState To)> Allowed =
    [
        (TaskState.Pending, TaskState.Processing),
        (TaskState.Pending, TaskState.Canceled),
        (TaskState.Processing, TaskState.Processing), // a progress report
        (TaskState.Processing, TaskState.Completed),
        (TaskState.Processing, TaskState.Failed),
        (TaskState.Processing, TaskState.Canceled),
        (TaskState.Processing, TaskState.Pending), // internal: another attempt after a lost lease or error
    ];

    public static TheoryData<TaskState, TaskState> AllPairs()
    {
        var data = new TheoryData<TaskState, TaskState>();
        foreach (var from in Enum.GetValues<TaskState>())
        {
            foreach (var to in Enum.GetValues<TaskState>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void EveryPairOfStatesHasTheDocumentedDecision(TaskState from, TaskState to)
    {
        var expected = Allowed.Contains((from, to))
            ? TransitionDecision.Apply
            : from.IsTerminal() && from == to ? TransitionDecision.NoOp : TransitionDecision.Forbidden;

        Assert.Equal(expected, TaskStateMachine.Decide(from, to));
        Assert.Equal(expected == TransitionDecision.Apply, TaskStateMachine.CanMove(from, to));
    }

    [Theory]
    [InlineData(TaskState.Completed)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.Canceled)]
    public void ReportingTheSameTerminalStateAgainIsANoOp(TaskState terminal) =>
        Assert.Equal(TransitionDecision.NoOp, TaskStateMachine.Decide(terminal, terminal));

    [Theory]
    [InlineData(TaskState.Completed)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.Canceled)]
    public void NothingMovesATaskOutOfATerminalState(TaskState terminal)
    {
        foreach (var other in Enum.GetValues<TaskState>().Where(s => s != terminal))
        {
            Assert.Equal(TransitionDecision.Forbidden, TaskStateMachine.Decide(terminal, other));
        }
    }

    [Fact]
    public void APendingTaskCannotFinishWithoutBeingProcessed()
    {
        Assert.Equal(TransitionDecision.Forbidden, TaskStateMachine.Decide(TaskState.Pending, TaskState.Completed));
        Assert.Equal(TransitionDecision.Forbidden, TaskStateMachine.Decide(TaskState.Pending, TaskState.Failed));
        Assert.Equal(TransitionDecision.Forbidden, TaskStateMachine.Decide(TaskState.Pending, TaskState.Pending));
    }

    [Fact]
    public void OnlyCompletedFailedAndCanceledAreTerminal()
    {
        Assert.Equal(
            [TaskState.Completed, TaskState.Failed, TaskState.Canceled],
            Enum.GetValues<TaskState>().Where(s => s.IsTerminal()).ToArray());
    }
}
