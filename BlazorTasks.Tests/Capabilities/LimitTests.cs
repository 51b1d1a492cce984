using System.Net;
using System.Net.Http.Json;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Capabilities;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

public sealed class LimitFactory : BlazorTasksFactory
{
    public LimitFactory()
    {
        With("Limits:MaxPendingTasksPerUser", "2");
        With("Limits:MaxEventStreamsPerUser", "2");
    }
}

public sealed class RateLimitFactory : BlazorTasksFactory
{
    public RateLimitFactory() => With("Limits:TaskCreatesPerMinute", "3");
}

public sealed class RateLimitTests(RateLimitFactory app) : IClassFixture<RateLimitFactory>
{
    [Fact]
    public async Task CreatingPastThePerUserRatePerMinuteIs429WithRetryAfter()
    {
        var user = await app.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await user.Client.CreateTaskAsync("simulated", new { durationMs = 0 })).StatusCode);
        }

        await LimitTests.AssertTooManyAsync(await user.Client.CreateTaskAsync("simulated", new { durationMs = 0 }), "Too many task creations");

        // The limit is per user.
        var other = await app.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await other.Client.CreateTaskAsync("simulated", new { durationMs = 0 })).StatusCode);
    }
}

public sealed class LimitTests(LimitFactory app) : IClassFixture<LimitFactory>
{
    internal static async Task AssertTooManyAsync(HttpResponseMessage response, string title)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "Retry-After in seconds is missing");
        var problem = await response.ProblemAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(title, problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ReachingTheCapOfUnfinishedTasksIs429()
    {
        var user = await app.CreateUserAsync();
        await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });

        await AssertTooManyAsync(await user.Client.CreateTaskAsync("external", new { timeoutSeconds = 600 }), "Too many unfinished tasks");
    }

    [Fact]
    public async Task AFinishedTaskFreesItsPlaceOnceTheCountIsRefreshed()
    {
        var user = await app.CreateUserAsync();
        var first = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });
        await AssertTooManyAsync(await user.Client.CreateTaskAsync("external", new { timeoutSeconds = 600 }), "Too many unfinished tasks");

        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.PostWebhookAsync(new { taskId = first, status = "completed" })).StatusCode);

        // The count is refreshed from the database in the background at most once a second; until
        // then the old count applies, after it the finished task no longer counts.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        HttpResponseMessage response;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            response = await user.Client.CreateTaskAsync("external", new { timeoutSeconds = 600 });
        }
        while (response.StatusCode == HttpStatusCode.TooManyRequests);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await AssertTooManyAsync(await user.Client.CreateTaskAsync("external", new { timeoutSeconds = 600 }), "Too many unfinished tasks");
    }

    [Fact]
    public async Task OpeningMoreEventStreamsThanTheCapIs429UntilOneCloses()
    {
        var user = await app.CreateUserAsync();
        var first = await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead);
        using var second = await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        await AssertTooManyAsync(await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead), "Too many event streams");
        var other = await app.CreateUserAsync();
        using var othersStream = await other.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, othersStream.StatusCode);

        first.Dispose();
        var tracker = app.Services.GetRequiredService<EventStreamTracker>();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (tracker.OpenStreams(user.Id) >= 2)
            {
                await Task.Delay(10, wait.Token);
            }
        }

        using var again = await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}
