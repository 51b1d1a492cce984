using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>Callbacks to a loopback receiver, which this configuration explicitly allows.</summary>
public sealed class CallbackFactory : BlazorTasksFactory
{
    public CallbackFactory()
    {
        With("Webhooks:AllowPrivateCallbackTargets", "true");
        With("Webhooks:CallbackRetryBaseSeconds", "0.05");
        With("Webhooks:CallbackPollSeconds", "0.2");
        With("Webhooks:CallbackMaxAttempts", "3");
        With("Webhooks:CallbackTimeoutSeconds", "1");
    }

    public string CallbackSecret => Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BlazorTasks.Core.Webhooks.WebhookOptions>>().Value.CallbackSecret;
}

public sealed class CallbackTests(CallbackFactory app) : IClassFixture<CallbackFactory>
{
    private static async Task<Guid> CreateWithCallbackAsync(TestUser user, string callbackUrl, object? payload = null, string type = "simulated")
    {
        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type, payload = payload ?? new { durationMs = 0 }, callbackUrl });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();
    }

    [Fact]
    public async Task AReceiverThatFailsTwiceThenSucceedsGetsThreeAttemptsAllRecorded()
    {
        await using var receiver = await CallbackReceiver.StartAsync(n => n <= 2 ? 500 : 204);
        var user = await app.CreateUserAsync();

        var taskId = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/hooks/tasks");
        var view = await user.Client.WaitForCallbackStatusAsync(taskId, "delivered");

        Assert.Equal(3, view.GetProperty("attempts").GetInt32());
        var deliveries = view.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], deliveries.Select(d => d.GetProperty("attempt").GetInt32()));
        Assert.Equal([500, 500, 204], deliveries.Select(d => d.GetProperty("statusCode").GetInt32()));
        Assert.Equal([false, false, true], deliveries.Select(d => d.GetProperty("succeeded").GetBoolean()));
        Assert.Equal("Answered 500.", deliveries[0].GetProperty("error").GetString());
        Assert.True(deliveries[2].GetProperty("durationMs").GetDouble() >= 0);
        Assert.Equal(3, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal("/hooks/tasks", r.Path));
        // The same message id on every retry, so the receiver can deduplicate.
        Assert.Single(receiver.Requests.Select(r => r.Headers["webhook-id"].ToString()).Distinct());
    }

    [Fact]
    public async Task TheCallbackIsTheTaskObjectSignedPerStandardWebhooks()
    {
        await using var receiver = await CallbackReceiver.StartAsync(_ => 200);
        var user = await app.CreateUserAsync();

        var taskId = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/cb", new { durationMs = 0, steps = 2 });
        await user.Client.WaitForCallbackStatusAsync(taskId, "delivered");

        var callback = Assert.Single(receiver.Requests);
        Assert.StartsWith("application/json", callback.Headers.ContentType.ToString());
        // Verified with an independent Standard Webhooks implementation (throws when invalid).
        var verifier = new StandardWebhooks.StandardWebhook(app.CallbackSecret);
        verifier.Verify(callback.Body, callback.Headers);
        var tampered = new StandardWebhooks.StandardWebhook(app.CallbackSecret);
        Assert.ThrowsAny<Exception>(() => tampered.Verify(callback.Body.Replace("completed", "failed"), callback.Headers));

        var body = JsonDocument.Parse(callback.Body).RootElement;
        Assert.Equal(taskId, body.GetProperty("taskId").GetGuid());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal("simulated", body.GetProperty("type").GetString());
        Assert.Equal(2, body.GetProperty("result").GetProperty("steps").GetInt32());
        Assert.Equal(1, body.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task FailedAndCanceledTasksAreDeliveredToo()
    {
        await using var receiver = await CallbackReceiver.StartAsync(_ => 200);
        var user = await app.CreateUserAsync();

        var failed = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/failed", new { durationMs = 0, fail = true });
        var canceled = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/canceled", new { timeoutSeconds = 600 }, type: "external");
        await user.Client.WaitForTerminalAsync(failed);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.PostAsync($"/api/tasks/{canceled}/cancel", null)).StatusCode);
        await user.Client.WaitForCallbackStatusAsync(failed, "delivered");
        await user.Client.WaitForCallbackStatusAsync(canceled, "delivered");

        var failedBody = JsonDocument.Parse(receiver.Requests.Single(r => r.Path == "/failed").Body).RootElement;
        Assert.Equal("failed", failedBody.GetProperty("status").GetString());
        Assert.Contains("Simulated failure", failedBody.GetProperty("result").GetProperty("error").GetString());
        var canceledBody = JsonDocument.Parse(receiver.Requests.Single(r => r.Path == "/canceled").Body).RootElement;
        Assert.Equal("canceled", canceledBody.GetProperty("status").GetString());
    }

    [Fact]
    public async Task RedirectsAreNotFollowed()
    {
        await using var receiver = await CallbackReceiver.StartAsync((_, context) =>
        {
            if (context.Request.Path == "/start")
            {
                context.Response.Headers.Location = "/elsewhere";
                return Task.FromResult(302);
            }

            return Task.FromResult(200);
        });
        var user = await app.CreateUserAsync();

        var taskId = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/start");
        var view = await user.Client.WaitForCallbackStatusAsync(taskId, "failed");

        Assert.Equal(3, view.GetProperty("attempts").GetInt32());
        Assert.All(view.GetProperty("deliveries").EnumerateArray(), d => Assert.Equal(302, d.GetProperty("statusCode").GetInt32()));
        Assert.Contains("redirects are not followed", view.GetProperty("deliveries")[0].GetProperty("error").GetString());
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/elsewhere");
    }

    [Fact]
    public async Task AReceiverThatDoesNotAnswerInTimeCountsAsAFailedAttempt()
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await CallbackReceiver.StartAsync((n, _) => n == 1 ? never.Task : Task.FromResult(200));
        var user = await app.CreateUserAsync();

        try
        {
            var taskId = await CreateWithCallbackAsync(user, receiver.BaseUrl + "/slow");
            var view = await user.Client.WaitForCallbackStatusAsync(taskId, "delivered");

            var deliveries = view.GetProperty("deliveries").EnumerateArray().ToList();
            Assert.Equal(2, deliveries.Count);
            Assert.Equal(JsonValueKind.Null, deliveries[0].GetProperty("statusCode").ValueKind);
            Assert.Contains("No answer within", deliveries[0].GetProperty("error").GetString());
            Assert.True(deliveries[1].GetProperty("succeeded").GetBoolean());
        }
        finally
        {
            never.TrySetResult(200);
        }
    }

    [Fact]
    public async Task CallbackHistoryOfAnotherUsersTaskIs404()
    {
        var owner = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var taskId = await CreateWithCallbackAsync(owner, "http://127.0.0.1:9/none", new { timeoutSeconds = 600 }, type: "external");

        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync($"/api/tasks/{taskId}/callbacks")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Client.GetAsync("/api/tasks/not-a-guid/callbacks")).StatusCode);
        var mine = await owner.Client.GetCallbacksAsync(taskId);
        Assert.Equal("http://127.0.0.1:9/none", mine.GetProperty("callbackUrl").GetString());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("status").ValueKind); // not terminal yet
    }
}
