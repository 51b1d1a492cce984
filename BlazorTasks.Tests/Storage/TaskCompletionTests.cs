using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Storage;

/// <summary>
/// A worker's outcome for a task it holds takes a shorter path (one conditional update) than an outcome
/// from anywhere else; both must leave the same row and raise the same event.
/// </summary>
public sealed class TaskCompletionTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private const string Lease = "completion-test-lease";

    public static TheoryData<string> Outcomes => ["completed", "completed-with-progress", "failed", "failed-with-progress", "canceled"];

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task AWorkersOutcomeLeavesTheSameRowAndEventAsTheGeneralPath(string kind)
    {
        var writer = Writer();
        var viaLease = await StartAsync(writer);
        var viaGeneral = await StartAsync(writer);

        var leased = await writer.RunAsync(c => (TaskStore.Apply(c, Outcome(kind, viaLease) with { LeaseOwner = Lease }), c.CommittedEvents.ToList()), Token);
        var general = await writer.RunAsync(c => (TaskStore.Apply(c, Outcome(kind, viaGeneral)), c.CommittedEvents.ToList()), Token);

        Assert.Equal(ApplyStatus.Applied, leased.Item1.Status);
        Assert.Equal(general.Item1, leased.Item1);
        var leasedRow = await LoadAsync(writer, viaLease);
        var generalRow = await LoadAsync(writer, viaGeneral);
        Assert.Equal(Comparable(generalRow), Comparable(leasedRow));
        Assert.NotNull(leasedRow.CompletedAt);
        Assert.Null(leasedRow.LeaseOwner);
        Assert.Equal("pending", leasedRow.CallbackStatus);

        var leasedEvent = Assert.Single(leased.Item2);
        var generalEvent = Assert.Single(general.Item2);
        Assert.Equal(TaskEventNames.Completed, leasedEvent.Name);
        Assert.Equal(generalEvent.Name, leasedEvent.Name);
        Assert.Equal(generalEvent.Data with { TaskId = default, At = default }, leasedEvent.Data with { TaskId = default, At = default });
        Assert.Equal(leasedEvent.Data, JsonSerializer.Deserialize<TaskEventData>(leasedEvent.DataJson, TaskJson.Options));
    }

    [Fact]
    public async Task AWorkerThatLostItsLeaseChangesNothing()
    {
        var writer = Writer();
        var taskId = await StartAsync(writer);

        var result = await writer.RunAsync(c => TaskStore.Apply(c, TaskOutcome.Completed(taskId, "{}") with { LeaseOwner = "another-worker" }), Token);

        Assert.Equal(ApplyStatus.Conflict, result.Status);
        var row = await LoadAsync(writer, taskId);
        Assert.Equal(TaskState.Processing, row.Status);
        Assert.Equal(Lease, row.LeaseOwner);
    }

    [Fact]
    public async Task AWorkersOutcomeForAFinishedTaskIsAConflict()
    {
        var writer = Writer();
        var taskId = await StartAsync(writer);
        await writer.RunAsync(c => TaskStore.Apply(c, TaskOutcome.Completed(taskId, "{}") with { LeaseOwner = Lease }), Token);

        var again = await writer.RunAsync(c => TaskStore.Apply(c, TaskOutcome.Failed(taskId, "late") with { LeaseOwner = Lease }), Token);

        Assert.Equal(ApplyStatus.Conflict, again.Status);
        Assert.Equal(TaskState.Completed, (await LoadAsync(writer, taskId)).Status);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private TaskWriter Writer()
    {
        _ = app.Server;
        return app.Services.GetRequiredService<TaskWriter>();
    }

    /// <summary>A processing task held by <see cref="Lease"/>, with a callback URL and some progress.</summary>
    private async Task<Guid> StartAsync(TaskWriter writer)
    {
        using var payload = JsonDocument.Parse("{}");
        var task = app.Services.GetRequiredService<TaskService>().NewTask(
            "completion-test-owner",
            new CreateTaskCommand("simulated", payload.RootElement.Clone()) { CallbackUrl = "https://example.com/hook" });
        await writer.RunAsync(
            c =>
            {
                TaskStore.Insert(c, task);
                Assert.NotNull(TaskStore.TryClaim(c, task.Id, Lease, TimeSpan.FromMinutes(5)));
                TaskStore.ReportProgress(c, task.Id, new TaskProgress(40, "step 2 of 5"));
            },
            Token);
        return task.Id;
    }

    private static TaskOutcome Outcome(string kind, Guid taskId) => kind switch
    {
        "completed" => TaskOutcome.Completed(taskId, """{"answer":42}"""),
        "completed-with-progress" => TaskOutcome.Completed(taskId, null) with { Progress = new TaskProgress(90, null) },
        "failed" => TaskOutcome.Failed(taskId, "it broke"),
        "failed-with-progress" => TaskOutcome.Failed(taskId, " ") with { Progress = new TaskProgress(60, "step 3 of 5") },
        _ => TaskOutcome.Canceled(taskId),
    };

    private static Task<TaskRecord> LoadAsync(TaskWriter writer, Guid taskId) => writer.RunAsync(c => TaskStore.Load(c, taskId)!, Token);

    private static object Comparable(TaskRecord t) => new
    {
        t.Status,
        t.ResultJson,
        t.ProgressPercent,
        t.ProgressMessage,
        t.Attempt,
        Started = t.StartedAt is not null,
        Completed = t.CompletedAt is not null,
        t.LeaseOwner,
        t.LeaseExpiresAt,
        t.DeadlineAt,
        t.CancelRequested,
        t.CallbackStatus,
        CallbackDue = t.CallbackNextAttemptAt is not null,
    };
}
