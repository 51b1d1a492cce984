using System.Net;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Webhooks;

/// <summary>An app whose default handler/callback timeout is one second, so deadlines pass during a test.</summary>
public sealed class ShortTimeoutFactory : AdminFirstFactory
{
    public ShortTimeoutFactory() => With("Tasks:TimeoutSeconds", "1");
}

public sealed class WebhookStartedTaskTests(ShortTimeoutFactory app) : IClassFixture<ShortTimeoutFactory>
{
    [Fact]
    public async Task ATaskStartedByAWebhookBeforeAnyWorkerClaimedItFailsAfterItsCallbackDeadline()
    {
        var user = await app.CreateUserAsync();

        // A pending task no worker may claim yet (like one waiting out a retry backoff).
        var service = app.Services.GetRequiredService<TaskService>();
        var writer = app.Services.GetRequiredService<TaskWriter>();
        var task = service.NewTask(user.Id, new CreateTaskCommand("external", System.Text.Json.JsonSerializer.SerializeToElement(new { })));
        task.NotBefore = DateTimeOffset.UtcNow.AddHours(1);
        await writer.RunAsync(context => TaskStore.Insert(context, task));

        var started = await app.PostWebhookAsync(new { taskId = task.Id, status = "processing", progress = new { percent = 5, message = "picked up" } });
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal("processing", (await user.Client.GetTaskAsync(task.Id)).GetProperty("status").GetString());

        // No worker holds it and no outcome comes: the sweeper fails it at its deadline instead of
        // leaving it processing forever.
        var failed = await user.Client.WaitForStatusAsync(task.Id, "failed", TimeSpan.FromSeconds(20));
        Assert.Equal("timed out waiting for callback", failed.GetProperty("result").GetProperty("error").GetString());
        Assert.Equal(["task-created", "task-processing", "task-completed"], await app.StoredEventNamesAsync(task.Id));
    }
}
