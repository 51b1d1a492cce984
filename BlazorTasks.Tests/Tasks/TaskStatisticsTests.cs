using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Tasks;

public sealed class TaskStatisticsTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private TaskService TaskService => app.Services.GetRequiredService<TaskService>();

    [Fact]
    public async Task SummaryCountsStatusesMedianAndFinishesOfTheCurrentMinuteForOneUser()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var completed = new[] { await StartExternalAsync(user.Id), await StartExternalAsync(user.Id) };
        var failed = await StartExternalAsync(user.Id);
        var running = await StartExternalAsync(user.Id);
        var othersTask = await StartExternalAsync(other.Id);
        foreach (var taskId in completed)
        {
            await TaskService.ApplyAsync(TaskOutcome.Completed(taskId, null));
        }

        await TaskService.ApplyAsync(TaskOutcome.Failed(failed, "no"));
        await TaskService.ApplyAsync(TaskOutcome.Completed(othersTask, null));

        var summary = await app.Services.GetRequiredService<TaskStatistics>().GetSummaryAsync(new UserScope(user.Id));

        Assert.Equal(2, summary.Count(TaskState.Completed));
        Assert.Equal(1, summary.Count(TaskState.Failed));
        Assert.Equal(1, summary.Count(TaskState.Processing));
        Assert.Equal(4, summary.Total);
        Assert.NotNull(summary.MedianDuration);
        Assert.True(summary.MedianDuration >= TimeSpan.Zero);
        Assert.Equal(TaskStatistics.Minutes, summary.FinishedPerMinute.Count);
        Assert.Equal(2, summary.FinishedPerMinute.Sum(m => m.Completed));
        Assert.Equal(1, summary.FinishedPerMinute.Sum(m => m.Failed));
        Assert.Equal(0, summary.FinishedPerMinute.Sum(m => m.Canceled));
        Assert.True(summary.FinishedPerMinute[^1].Minute <= DateTimeOffset.UtcNow);

        var everyone = await app.Services.GetRequiredService<TaskStatistics>().GetSummaryAsync(new UserScope(user.Id, IsAdmin: true, AllUsers: true));
        Assert.True(everyone.Count(TaskState.Completed) >= 3);
        await TaskService.CancelAsync(running, new UserScope(user.Id));
    }

    /// <summary>An external task, once a worker has moved it to processing (so it has a start time).</summary>
    private async Task<Guid> StartExternalAsync(string ownerId)
    {
        var hub = app.Services.GetRequiredService<TaskEventHub>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var payload = JsonSerializer.SerializeToElement(new { timeoutSeconds = 600 });
        using var events = hub.Subscribe(EventFilter.ForOwner(ownerId));
        var created = Assert.IsType<CreateTaskResult.Created>(await TaskService.CreateAsync(ownerId, new CreateTaskCommand("external", payload)));
        await foreach (var taskEvent in events.ReadAllAsync(cts.Token))
        {
            if (taskEvent.TaskId == created.Task.TaskId && taskEvent.Data.Status == TaskState.Processing)
            {
                break;
            }
        }

        return created.Task.TaskId;
    }
}
