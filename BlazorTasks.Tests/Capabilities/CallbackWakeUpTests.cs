using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Storage;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>Callbacks with the periodic scan effectively off: every delivery must come from a wake-up.</summary>
public sealed class NoPollCallbackFactory : BlazorTasksFactory
{
    public NoPollCallbackFactory()
    {
        With("Webhooks:AllowPrivateCallbackTargets", "true");
        With("Webhooks:CallbackRetryBaseSeconds", "0.2");
        With("Webhooks:CallbackPollSeconds", "3600");
        With("Webhooks:CallbackMaxAttempts", "3");
        With("Webhooks:CallbackTimeoutSeconds", "1");
    }
}

public sealed class CallbackWakeUpTests(NoPollCallbackFactory app) : IClassFixture<NoPollCallbackFactory>
{
    [Fact]
    public async Task ARetryRunsWhenItFallsDueWithoutWaitingForTheScan()
    {
        await using var receiver = await CallbackReceiver.StartAsync(n => n == 1 ? 503 : 204);
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = 0 }, callbackUrl = receiver.BaseUrl + "/cb" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();

        var view = await user.Client.WaitForCallbackStatusAsync(taskId, "delivered", TimeSpan.FromSeconds(20));
        Assert.Equal(2, view.GetProperty("attempts").GetInt32());
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task ADeliveryFoundDueLaterByAScanGetsItsOwnWakeUp()
    {
        // As after a restart: a finished task whose delivery was scheduled for a moment from now,
        // with no terminal event and no retry timer in this process to wake the dispatcher.
        await using var receiver = await CallbackReceiver.StartAsync(_ => 204);
        var user = await app.CreateUserAsync();
        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = 0 } });
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();
        await user.Client.WaitForStatusAsync(taskId, "completed");

        var writer = app.Services.GetRequiredService<TaskWriter>();
        var dueAt = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeMilliseconds();
        await writer.RunAsync(context =>
        {
            var command = context.Command("UPDATE Tasks SET CallbackUrl = @url, CallbackStatus = 'pending', CallbackNextAttemptAt = @due WHERE Id = @id");
            command.Parameters.AddWithValue("@url", receiver.BaseUrl + "/later");
            command.Parameters.AddWithValue("@due", dueAt);
            command.Parameters.AddWithValue("@id", taskId);
            Assert.Equal(1, command.ExecuteNonQuery());
        }, TestContext.Current.CancellationToken);
        app.Services.GetRequiredService<CallbackDispatcher>().Wake(); // The scan finds it not yet due.

        await user.Client.WaitForCallbackStatusAsync(taskId, "delivered", TimeSpan.FromSeconds(20));
        var delivery = Assert.Single(receiver.Requests);
        Assert.Equal("/later", delivery.Path);
    }
}
