using System.Net;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Webhooks;

public sealed class ExternalTaskFlowTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [Fact]
    public async Task AnExternalTaskIsDrivenToCompletionBySignedWebhooks()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external", new { job = "render" });
        await using var stream = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events");

        var started = await stream.ReadUntilAsync(e => e.Name == "task-processing");
        Assert.Equal(["task-created", "task-processing"], started.Select(e => e.Name));
        Assert.Equal("processing", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());

        var progress = await app.PostWebhookAsync(new { taskId, status = "processing", progress = new { percent = 40, message = "rendering page 4" } });
        Assert.Equal(HttpStatusCode.OK, progress.StatusCode);
        var progressEvent = await stream.NextAsync();
        Assert.NotNull(progressEvent);
        Assert.Equal("task-progress", progressEvent.Name);
        Assert.Equal(taskId, progressEvent.TaskId);
        Assert.Equal("processing", progressEvent.Status);
        Assert.Equal(40, progressEvent.Data.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Equal("rendering page 4", progressEvent.Data.GetProperty("progress").GetProperty("message").GetString());
        var midway = await user.Client.GetTaskAsync(taskId);
        Assert.Equal(40, midway.GetProperty("progress").GetProperty("percent").GetInt32());

        var completed = await app.PostWebhookAsync(new { taskId, status = "completed", result = new { pages = 10, url = "https://files.example.test/r.pdf" } });
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var rest = await stream.ReadToEndAsync();
        var final = Assert.Single(rest);
        Assert.Equal("task-completed", final.Name);
        Assert.Equal("completed", final.Status);

        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(10, task.GetProperty("result").GetProperty("pages").GetInt32());
        Assert.Equal("https://files.example.test/r.pdf", task.GetProperty("result").GetProperty("url").GetString());
        Assert.Equal(["task-created", "task-processing", "task-progress", "task-completed"], await app.StoredEventNamesAsync(taskId));
    }

    [Fact]
    public async Task ASimulatedTaskAskedToCompleteViaWebhookCompletesThroughTheWebhook()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 100, steps = 2, completeVia = "webhook" });

        var task = await user.Client.WaitForTerminalAsync(taskId);

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("webhook", task.GetProperty("result").GetProperty("completedVia").GetString());
        Assert.Equal(1, await app.WebhookReceiptCountAsync(taskId));
        Assert.Equal(1, (await app.StoredEventNamesAsync(taskId)).Count(n => n == "task-completed"));
    }

    [Fact]
    public async Task ASimulatedFailureReportedViaWebhookStoresTheError()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true, completeVia = "webhook" });

        var task = await user.Client.WaitForTerminalAsync(taskId);

        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Contains("Simulated failure", task.GetProperty("result").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await app.WebhookReceiptCountAsync(taskId));
    }
}
