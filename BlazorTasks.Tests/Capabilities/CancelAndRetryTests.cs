using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Capabilities;

public sealed class CancelAndRetryTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    [Fact]
    public async Task CancelingARunningTaskSignalsItsHandlerAndItEndsCanceled()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 60_000, steps = 100 });
        using var events = new TaskEventWaiter(app, taskId);
        await user.Client.WaitForStatusAsync(taskId, "processing");

        var response = await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/tasks/{taskId}", response.Headers.Location?.OriginalString);
        Assert.Equal(taskId, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid());
        var terminal = await events.WaitForAsync(e => e.Name == TaskEventNames.Completed, TimeSpan.FromSeconds(5));
        Assert.Equal(BlazorTasks.Core.Tasks.TaskState.Canceled, terminal.Data.Status);
        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("canceled", task.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task CancelingATaskWaitingForItsWebhookCancelsItAtOnce()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        await user.Client.WaitForStatusAsync(taskId, "processing");

        var response = await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        // 200 once it waits for its webhook; 202 if the cancel raced the hand-over, and it still ends canceled.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Accepted });
        Assert.Equal("canceled", (await user.Client.WaitForTerminalAsync(taskId, TimeSpan.FromSeconds(5))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ACancelThatRacesTheHandOverToTheWebhookIsNotLost()
    {
        var user = await app.CreateUserAsync();
        for (var i = 0; i < 20; i++)
        {
            var taskId = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
            await user.Client.WaitForStatusAsync(taskId, "processing");
            await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);
            Assert.Equal("canceled", (await user.Client.WaitForTerminalAsync(taskId, TimeSpan.FromSeconds(5))).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task CancelingAFinishedTaskIs409AndAnotherUsersTaskIs404()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        await user.Client.WaitForTerminalAsync(taskId);

        var finished = await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        Assert.Contains("completed", (await finished.ProblemAsync()).GetProperty("detail").GetString());

        var running = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.PostAsync($"/api/tasks/{running}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.PostAsync($"/api/tasks/{Guid.NewGuid()}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.PostAsync("/api/tasks/xyz/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsync($"/api/tasks/{running}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task RetryingAFailedTaskCreatesANewTaskWithTheSameTypeAndPayload()
    {
        var user = await app.CreateUserAsync();
        var failed = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });
        Assert.Equal("failed", (await user.Client.WaitForTerminalAsync(failed)).GetProperty("status").GetString());

        var response = await user.Client.PostAsync($"/api/tasks/{failed}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var retryId = body.GetProperty("taskId").GetGuid();
        Assert.NotEqual(failed, retryId);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal($"/api/tasks/{retryId}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.RetryAfter);
        var retry = await user.Client.WaitForTerminalAsync(retryId);
        Assert.Equal("simulated", retry.GetProperty("type").GetString());
        Assert.True(retry.GetProperty("payload").GetProperty("fail").GetBoolean());
    }

    [Fact]
    public async Task RetryingACanceledTaskIsAllowedButACompletedOneIs409()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var canceled = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        await user.Client.PostAsync($"/api/tasks/{canceled}/cancel", null);
        var completed = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        await user.Client.WaitForTerminalAsync(completed);

        Assert.Equal(HttpStatusCode.Accepted, (await user.Client.PostAsync($"/api/tasks/{canceled}/retry", null)).StatusCode);
        var conflict = await user.Client.PostAsync($"/api/tasks/{completed}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(409, (await conflict.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.PostAsync($"/api/tasks/{canceled}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.PostAsync("/api/tasks/bad-id/retry", null)).StatusCode);
    }
}

public sealed class SingleWorkerFactory : BlazorTasksFactory
{
    public SingleWorkerFactory() => With("Tasks:Workers", "1");
}

public sealed class PendingCancelTests(SingleWorkerFactory app) : IClassFixture<SingleWorkerFactory>
{
    [Fact]
    public async Task CancelingAPendingTaskCancelsItAtOnceWith200()
    {
        var user = await app.CreateUserAsync();
        var busy = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 60_000, steps = 100 });
        await user.Client.WaitForStatusAsync(busy, "processing");
        var waiting = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        Assert.Equal("pending", (await user.Client.GetTaskAsync(waiting)).GetProperty("status").GetString());

        var response = await user.Client.PostAsync($"/api/tasks/{waiting}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("canceled", body.GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await user.Client.PostAsync($"/api/tasks/{busy}/cancel", null)).StatusCode);
        Assert.Equal("canceled", (await user.Client.WaitForTerminalAsync(busy, TimeSpan.FromSeconds(5))).GetProperty("status").GetString());
        Assert.Equal("canceled", (await user.Client.GetTaskAsync(waiting)).GetProperty("status").GetString()); // never ran
    }
}

internal static class TaskWaits
{
    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient client, Guid taskId, string status, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var task = await client.GetTaskAsync(taskId);
            if (task.GetProperty("status").GetString() == status)
            {
                return task;
            }

            await Task.Delay(10, cts.Token);
        }
    }
}
