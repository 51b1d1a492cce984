using System.Net;
using System.Text.RegularExpressions;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Events;

public sealed partial class EventStreamTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtc();

    private static void AssertIdsStrictlyIncrease(IReadOnlyList<ReceivedEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].Id > events[i - 1].Id, $"Event ids do not increase: {string.Join(", ", events.Select(e => e.Id))}");
        }
    }

    [Fact]
    public async Task TheStreamHasEventStreamHeadersAndFlushesItsPreambleAtOnce()
    {
        var user = await app.CreateUserAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        // Nothing happens for this user and the heartbeat is 15 s: the first bytes must come from the preamble.
        using var response = await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal(["no"], response.Headers.GetValues("X-Accel-Buffering"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("retry: 3000", await reader.ReadLineAsync(timeout.Token));
        Assert.StartsWith(":", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATasksStreamDeliversItsLifecycleInOrderAndThenEnds()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 600, steps = 3 });
        await using var stream = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events");

        var events = await stream.ReadToEndAsync();

        Assert.Equal("task-created", events[0].Name);
        Assert.Equal("pending", events[0].Status);
        Assert.Equal("task-processing", events[1].Name);
        Assert.Equal("processing", events[1].Status);
        Assert.Equal("task-completed", events[^1].Name);
        Assert.Equal("completed", events[^1].Status);
        var middle = events[2..^1];
        Assert.NotEmpty(middle);
        Assert.All(middle, e => Assert.Equal("task-progress", e.Name));
        Assert.Equal(100, events[^1].Data.GetProperty("progress").GetProperty("percent").GetInt32());
        AssertIdsStrictlyIncrease(events);
        Assert.All(events, e =>
        {
            Assert.Equal(taskId, e.TaskId);
            Assert.Equal("simulated", e.Data.GetProperty("type").GetString());
            Assert.Matches(IsoUtc(), e.Data.GetProperty("at").GetString());
        });
        Assert.Equal(events.Select(e => e.Name), await app.StoredEventNamesAsync(taskId));
    }

    [Fact]
    public async Task AnAlreadyFinishedTasksStreamGetsOnlyItsFinalEventThenEnds()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });
        await user.Client.WaitForTerminalAsync(taskId);
        await using var stream = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events");

        var events = await stream.ReadToEndAsync();

        var only = Assert.Single(events);
        Assert.Equal("task-completed", only.Name);
        Assert.Equal("failed", only.Status);
        Assert.Contains("Simulated failure", only.Data.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconnectingWithLastEventIdDeliversExactlyTheMissedEventsThenLiveOnes()
    {
        var user = await app.CreateUserAsync();
        long lastSeen;
        await using (var first = await EventStream.OpenAsync(user.Client, "/api/tasks/events"))
        {
            var seen = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
            var events = await first.ReadUntilAsync(e => e.TaskId == seen && e.Name == "task-completed");
            lastSeen = events[^1].Id;
        }

        // Disconnected: these happen while nobody listens.
        var missed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add(await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, steps = 2 }));
        }

        foreach (var taskId in missed)
        {
            await user.Client.WaitForTerminalAsync(taskId);
        }

        var expectedMissed = await app.EventIdsAfterAsync(user.Id, lastSeen);
        Assert.NotEmpty(expectedMissed);

        await using var resumed = await EventStream.OpenAsync(user.Client, "/api/tasks/events", lastSeen);
        var replayed = new List<ReceivedEvent>();
        while (replayed.Count < expectedMissed.Count)
        {
            replayed.Add((await resumed.NextAsync())!);
        }

        Assert.Equal(expectedMissed, replayed.Select(e => e.Id));
        Assert.All(replayed, e => Assert.Contains(e.TaskId, missed));
        Assert.Equal(missed.Count, replayed.Count(e => e.Name == "task-completed"));

        // Then live events, continuing the same sequence.
        var live = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        var liveEvents = await resumed.ReadUntilAsync(e => e.TaskId == live && e.Name == "task-completed");
        Assert.All(liveEvents, e => Assert.Equal(live, e.TaskId));
        Assert.Equal("task-created", liveEvents[0].Name);
        var all = replayed.Concat(liveEvents).ToList();
        AssertIdsStrictlyIncrease(all);
        Assert.Equal(await app.EventIdsAfterAsync(user.Id, lastSeen), all.Select(e => e.Id));
    }

    [Fact]
    public async Task ATasksStreamResumedWithLastEventIdSkipsWhatWasSeen()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external");
        await user.Client.WaitForStatusAsync(taskId, "processing");
        long processingId;
        await using (var first = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events"))
        {
            processingId = (await first.ReadUntilAsync(e => e.Name == "task-processing"))[^1].Id;
        }

        await app.PostWebhookAsync(new { taskId, status = "completed", result = 1 });
        await using var resumed = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events", processingId);

        var rest = await resumed.ReadToEndAsync();

        Assert.Equal(["task-completed"], rest.Select(e => e.Name));
        Assert.True(rest[0].Id > processingId);
    }

    [Fact]
    public async Task ReconnectingToAFinishedTasksStreamAfterItsFinalEventEndsAtOnce()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        long finalId;
        await using (var first = await EventStream.OpenAsync(user.Client, $"/api/tasks/{taskId}/events"))
        {
            finalId = (await first.ReadToEndAsync())[^1].Id;
        }

        // What EventSource does when the server closes a stream: reconnect with the last id it saw.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/{taskId}/events");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", finalId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await user.Client.SendAsync(request, timeout.Token);

        // 204 tells EventSource to stop reconnecting: there is nothing more this task will ever send.
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(timeout.Token));
    }

    [Fact]
    public async Task AnotherUsersEventsNeverAppearOnMyStream()
    {
        var me = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        await using var stream = await EventStream.OpenAsync(me.Client, "/api/tasks/events");

        var theirs = await other.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        await other.Client.WaitForTerminalAsync(theirs);
        var mine = await me.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });

        // Their events were committed before mine: had they leaked, they would come first.
        var events = await stream.ReadUntilAsync(e => e.Name == "task-completed");
        Assert.All(events, e => Assert.Equal(mine, e.TaskId));
        Assert.Equal("task-created", events[0].Name);
    }

    [Fact]
    public async Task AnAdminWithScopeAllFollowsEveryonesEvents()
    {
        var user = await app.CreateUserAsync();
        await using var stream = await EventStream.OpenAsync(app.Admin.Client, "/api/tasks/events?scope=all");

        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });

        var events = await stream.ReadUntilAsync(e => e.TaskId == taskId && e.Name == "task-completed");
        Assert.Contains(events, e => e.TaskId == taskId && e.Name == "task-created");
    }

    [Fact]
    public async Task ANonAdminAskingForEveryonesEventsIsA403Problem()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync("/api/tasks/events?scope=all");

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnotherUsersTaskStreamIsA404Problem()
    {
        var owner = await app.CreateUserAsync();
        var stranger = await app.CreateUserAsync();
        var taskId = await owner.Client.CreateTaskIdAsync("external");

        var response = await stranger.Client.GetAsync($"/api/tasks/{taskId}/events");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/tasks/events")]
    [InlineData("/api/tasks/0195f0c3-1111-7000-8000-000000000001/events")]
    public async Task AnUnauthenticatedStreamIsA401Problem(string url)
    {
        var response = await app.CreateClient().GetAsync(url);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnInvalidLastEventIdIsA400Problem()
    {
        var user = await app.CreateUserAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks/events");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "yesterday");

        var response = await user.Client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}

/// <summary>An app whose SSE heartbeat is a fraction of a second.</summary>
public sealed class FastHeartbeatFactory : AdminFirstFactory
{
    public FastHeartbeatFactory() => With("Events:HeartbeatSeconds", "0.2");
}

public sealed class EventStreamHeartbeatTests(FastHeartbeatFactory app) : IClassFixture<FastHeartbeatFactory>
{
    [Fact]
    public async Task AnIdleStreamSendsPingComments()
    {
        var user = await app.CreateUserAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await user.Client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var pings = 0;
        while (pings < 2)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            if (line == ": ping")
            {
                pings++;
            }
        }

        Assert.Equal(2, pings);
    }
}
