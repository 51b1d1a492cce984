using System.Net;
using System.Net.Http.Json;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Api;

/// <summary>One worker slot, so a task queued behind a long one stays pending for as long as the test needs.</summary>
public sealed class SingleWorkerFactory : AdminFirstFactory
{
    public SingleWorkerFactory() => With("Tasks:Workers", "1");
}

public sealed class CancelRetryTests(SingleWorkerFactory app) : IClassFixture<SingleWorkerFactory>
{
    [Fact]
    public async Task CancelingAPendingTaskCancelsItAtOnceAndCancelingAProcessingOneSignalsIt()
    {
        var user = await app.CreateUserAsync();
        var blocker = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 120_000, steps = 100 });
        await user.Client.WaitForStatusAsync(blocker, "processing");
        var queued = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        Assert.Equal("pending", (await user.Client.GetTaskAsync(queued)).GetProperty("status").GetString());

        var pendingCancel = await user.Client.PostAsync($"/api/tasks/{queued}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, pendingCancel.StatusCode);
        var canceled = await pendingCancel.ReadJsonAsync();
        Assert.Equal(queued, canceled.GetProperty("taskId").GetGuid());
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());

        await using var stream = await EventStream.OpenAsync(user.Client, $"/api/tasks/{blocker}/events");
        var processingCancel = await user.Client.PostAsync($"/api/tasks/{blocker}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, processingCancel.StatusCode);
        Assert.Equal($"/api/tasks/{blocker}", processingCancel.Headers.Location?.OriginalString);
        // The body is the task as read right after signalling: the handler may already have stopped.
        Assert.Contains((await processingCancel.ReadJsonAsync()).GetProperty("status").GetString(), new[] { "processing", "canceled" });
        var final = (await stream.ReadToEndAsync())[^1];
        Assert.Equal("task-completed", final.Name);
        Assert.Equal("canceled", final.Status);
        Assert.Equal("canceled", (await user.Client.GetTaskAsync(blocker)).GetProperty("status").GetString());
        Assert.Equal(1, (await app.StoredEventNamesAsync(queued)).Count(n => n == "task-completed"));
    }

    [Fact]
    public async Task CancelingAFinishedTaskIsA409Problem()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        await user.Client.WaitForTerminalAsync(taskId);

        var response = await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("completed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("retry")]
    public async Task CancelOrRetryOfAnotherUsersTaskIsA404Problem(string action)
    {
        var owner = await app.CreateUserAsync();
        var stranger = await app.CreateUserAsync();
        var taskId = await owner.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });
        await owner.Client.WaitForTerminalAsync(taskId);

        var response = await stranger.Client.PostAsync($"/api/tasks/{taskId}/{action}", null);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("failed", (await owner.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("retry")]
    public async Task CancelOrRetryOfAMalformedIdIsA404Problem(string action)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync($"/api/tasks/not-a-task/{action}", null);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RetryingAFailedTaskCreatesANewTaskWithTheSameTypeAndPayload()
    {
        var user = await app.CreateUserAsync();
        var failed = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, steps = 3, fail = true });
        await user.Client.WaitForTerminalAsync(failed);

        var response = await user.Client.PostAsync($"/api/tasks/{failed}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var retry = body.GetProperty("taskId").GetGuid();
        Assert.NotEqual(failed, retry);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal($"/api/tasks/{retry}", response.Headers.Location?.OriginalString);
        Assert.Equal($"/api/tasks/{retry}/events", body.GetProperty("eventsUrl").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        var task = await user.Client.WaitForTerminalAsync(retry);
        Assert.Equal("simulated", task.GetProperty("type").GetString());
        Assert.Equal(3, task.GetProperty("payload").GetProperty("steps").GetInt32());
        Assert.True(task.GetProperty("payload").GetProperty("fail").GetBoolean());
        Assert.Equal("failed", (await user.Client.GetTaskAsync(failed)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RetryingACompletedTaskIsA409Problem()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        await user.Client.WaitForTerminalAsync(taskId);

        var response = await user.Client.PostAsync($"/api/tasks/{taskId}/retry", null);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("only failed or canceled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var page = await (await user.Client.GetAsync("/api/tasks")).ReadJsonAsync();
        Assert.Equal(1, page.GetProperty("total").GetInt32());
    }
}
