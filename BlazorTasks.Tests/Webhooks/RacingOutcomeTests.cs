using System.Net;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Webhooks;

public sealed class RacingOutcomeTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [Fact]
    public async Task RacingWorkerAndWebhookOutcomesGiveOneTerminalStateAndOneTerminalEvent()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external");
        await user.Client.WaitForStatusAsync(taskId, "processing");
        var hub = app.Services.GetRequiredService<TaskEventHub>();
        var tasks = app.Services.GetRequiredService<TaskService>();
        using var subscription = hub.Subscribe(EventFilter.ForTask(taskId));
        await using var stream = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events");
        await stream.ReadUntilAsync(e => e.Name == "task-processing");

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var webhooks = new List<(string Status, Task<HttpResponseMessage> Response)>();
        var applies = new List<(TaskState Status, Task<ApplyResult> Result)>();
        for (var i = 0; i < 12; i++)
        {
            var status = i % 2 == 0 ? "completed" : "failed";
            var index = i;
            webhooks.Add((status, Task.Run(async () =>
            {
                await start.Task;
                return await app.PostWebhookAsync(new { taskId, status, result = new { by = $"webhook {index}" }, error = $"webhook {index} failed" });
            })));
            var state = i % 2 == 0 ? TaskState.Failed : TaskState.Completed;
            applies.Add((state, Task.Run(async () =>
            {
                await start.Task;
                return await tasks.ApplyAsync(state == TaskState.Completed
                    ? TaskOutcome.Completed(taskId, $"{{\"by\":\"worker {index}\"}}")
                    : TaskOutcome.Failed(taskId, $"worker {index} failed"));
            })));
        }

        start.SetResult();
        await Task.WhenAll(webhooks.Select(w => w.Response));
        await Task.WhenAll(applies.Select(a => a.Result));

        var task = await user.Client.GetTaskAsync(taskId);
        var final = task.GetProperty("status").GetString()!;
        Assert.Contains(final, new[] { "completed", "failed" });

        // Exactly one outcome was applied; the same terminal status again is a no-op, the other a conflict.
        var applied = 0;
        foreach (var (status, response) in webhooks)
        {
            var answer = await response;
            Assert.Equal(status == final ? HttpStatusCode.OK : HttpStatusCode.Conflict, answer.StatusCode);
        }

        foreach (var (status, result) in applies)
        {
            var outcome = await result;
            Assert.Equal(TaskStateNames.Parse(final), outcome.Current);
            if (outcome.Status == ApplyStatus.Applied)
            {
                applied++;
            }
            else
            {
                Assert.Equal(status.ToWire() == final ? ApplyStatus.NoOp : ApplyStatus.Conflict, outcome.Status);
            }
        }

        Assert.True(applied <= 1, $"{applied} worker outcomes were applied");
        var stored = await app.StoredEventNamesAsync(taskId);
        Assert.Equal(["task-created", "task-processing", "task-completed"], stored);

        // The hub published exactly one terminal event, and the SSE stream carried exactly one, then ended.
        var published = new List<TaskEvent>();
        while (subscription.Reader.TryRead(out var taskEvent))
        {
            published.Add(taskEvent);
        }

        var terminal = Assert.Single(published);
        Assert.Equal(TaskEventNames.Completed, terminal.Name);
        Assert.Equal(final, terminal.Data.Status.ToWire());
        var streamed = await stream.ReadToEndAsync();
        var streamedTerminal = Assert.Single(streamed);
        Assert.Equal("task-completed", streamedTerminal.Name);
        Assert.Equal(final, streamedTerminal.Status);
        Assert.Equal(terminal.Id, streamedTerminal.Id);
    }

    [Fact]
    public async Task WebhooksRacingARunningWorkerNeverProduceASecondTerminalEvent()
    {
        var user = await app.CreateUserAsync();
        var hub = app.Services.GetRequiredService<TaskEventHub>();
        using var subscription = hub.Subscribe(EventFilter.ForOwner(user.Id));
        var taskIds = new List<Guid>();
        var races = new List<Task<List<HttpStatusCode>>>();
        for (var i = 0; i < 6; i++)
        {
            var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 150, steps = 1 });
            taskIds.Add(taskId);
            var stagger = TimeSpan.FromMilliseconds(i * 40);
            races.Add(Task.Run(async () =>
            {
                // Webhooks keep arriving, in both flavours, until the task has ended one way or the other.
                await user.Client.WaitUntilStartedAsync(taskId);
                await Task.Delay(stagger);
                var answers = new List<HttpStatusCode>();
                for (var round = 0; round < 50; round++)
                {
                    var burst = await Task.WhenAll(
                        app.PostWebhookAsync(new { taskId, status = "completed", result = new { completedVia = "webhook" } }),
                        app.PostWebhookAsync(new { taskId, status = "failed", error = "webhook says no" }));
                    answers.AddRange(burst.Select(r => r.StatusCode));
                    var status = (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString();
                    if (status is "completed" or "failed")
                    {
                        break;
                    }
                }

                return answers;
            }));
        }

        var outcomes = await Task.WhenAll(races);

        Assert.All(outcomes.SelectMany(o => o), code => Assert.Contains(code, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        foreach (var taskId in taskIds)
        {
            var task = await user.Client.WaitForTerminalAsync(taskId);
            var final = task.GetProperty("status").GetString();
            Assert.Contains(final, new[] { "completed", "failed" });
            Assert.Equal(1, (await app.StoredEventNamesAsync(taskId)).Count(n => n == "task-completed"));
        }

        // Let the workers that lost finish their (refused) reports, then count what the hub published.
        using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var running = app.Services.GetRequiredService<BlazorTasks.Core.Processing.RunningTasks>();
        while (taskIds.Any(running.Ids.Contains))
        {
            await Task.Delay(20, settle.Token);
        }

        var published = new List<TaskEvent>();
        while (subscription.Reader.TryRead(out var taskEvent))
        {
            published.Add(taskEvent);
        }

        foreach (var taskId in taskIds)
        {
            Assert.Single(published, e => e.TaskId == taskId && e.Name == TaskEventNames.Completed);
        }
    }
}
