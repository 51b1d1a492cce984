using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BlazorTasks.Core.Storage;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

public sealed class IdempotencyTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private static HttpRequestMessage Post(string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return request;
    }

    private async Task<int> CountTasksAsync(string ownerId)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<TasksDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Tasks.CountAsync(t => t.OwnerId == ownerId);
    }

    [Fact]
    public async Task SameKeyAndBodyAgainReturnsTheOriginalTaskWithoutCreatingAnother()
    {
        var user = await app.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";

        var first = await user.Client.SendAsync(Post(body, "order-42"));
        var second = await user.Client.SendAsync(Post(body, "order-42"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var secondBody = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(firstBody.GetProperty("taskId").GetGuid(), secondBody.GetProperty("taskId").GetGuid());
        Assert.Equal("pending", secondBody.GetProperty("status").GetString());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal(1, await CountTasksAsync(user.Id));
    }

    [Fact]
    public async Task SameKeyWithADifferentBodyIs422()
    {
        var user = await app.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await user.Client.SendAsync(Post("""{"type":"simulated","payload":{"durationMs":0}}""", "k1"))).StatusCode);

        var response = await user.Client.SendAsync(Post("""{"type":"simulated","payload":{"durationMs":5}}""", "k1"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        Assert.Contains("different request body", problem.GetProperty("detail").GetString());
        Assert.Equal(1, await CountTasksAsync(user.Id));
    }

    [Fact]
    public async Task TheSameKeyFromAnotherUserIsADifferentKey()
    {
        var alice = await app.CreateUserAsync();
        var bob = await app.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";

        var a = await (await alice.Client.SendAsync(Post(body, "shared-key"))).Content.ReadFromJsonAsync<JsonElement>();
        var bobResponse = await bob.Client.SendAsync(Post(body, "shared-key"));

        Assert.Equal(HttpStatusCode.Accepted, bobResponse.StatusCode);
        var b = await bobResponse.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(a.GetProperty("taskId").GetGuid(), b.GetProperty("taskId").GetGuid());
        Assert.Equal(1, await CountTasksAsync(bob.Id));
    }

    [Theory]
    [InlineData("tab\tinside")]
    [InlineData("del\u007f")]
    [InlineData(null)] // 256 characters
    public async Task MalformedKeyIs400(string? key)
    {
        var user = await app.CreateUserAsync();
        key ??= new string('k', 256);

        var response = await user.Client.SendAsync(Post("""{"type":"simulated","payload":{"durationMs":0}}""", key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal("Invalid Idempotency-Key", problem.GetProperty("title").GetString());
        Assert.Equal(0, await CountTasksAsync(user.Id));
    }

    [Fact]
    public async Task AKeyOf255PrintableCharactersIsAccepted()
    {
        var user = await app.CreateUserAsync();
        var key = string.Concat(Enumerable.Repeat("~ !Az", 51));

        var response = await user.Client.SendAsync(Post("""{"type":"simulated","payload":{"durationMs":0}}""", key));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task SameKeyWhileTheFirstRequestIsStillInFlightIs409()
    {
        var user = await app.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";
        var writer = app.Services.GetRequiredService<TaskWriter>();
        var inFlight = app.Services.GetRequiredService<BlazorTasks.Core.Capabilities.IdempotencyInFlight>();

        // Hold the single writer so the first request stays in flight (waiting for its commit).
        using var release = new ManualResetEventSlim();
        var writerHeld = new TaskCompletionSource();
        var hold = writer.RunAsync(_ =>
        {
            writerHeld.SetResult();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        await writerHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));

        HttpResponseMessage second;
        Task<HttpResponseMessage> firstTask;
        try
        {
            firstTask = user.Client.SendAsync(Post(body, "in-flight"));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!inFlight.Contains(user.Id, "in-flight"))
            {
                await Task.Delay(10, wait.Token);
            }

            second = await user.Client.SendAsync(Post(body, "in-flight"));
        }
        finally
        {
            release.Set();
        }

        await hold;
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("Request in progress", (await second.ProblemAsync()).GetProperty("title").GetString());
        var first = await firstTask;
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(1, await CountTasksAsync(user.Id));

        // Once the first answered, the same key and body replays it.
        var third = await user.Client.SendAsync(Post(body, "in-flight"));
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Equal(
            (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid(),
            (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid());
    }

    [Fact]
    public async Task ConcurrentDuplicatePostsCreateExactlyOneTask()
    {
        var user = await app.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => user.Client.SendAsync(Post(body, "burst"))));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
        var ids = new HashSet<Guid>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
        {
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid());
        }

        Assert.Single(ids);
        Assert.Equal(1, await CountTasksAsync(user.Id));
    }

    [Fact]
    public async Task KeysAreKeptAtLeast24HoursByTheCleanUp()
    {
        var user = await app.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";
        var first = await (await user.Client.SendAsync(Post(body, "kept"))).Content.ReadFromJsonAsync<JsonElement>();

        await app.Services.GetRequiredService<BlazorTasks.Core.Capabilities.RetentionCleaner>().CleanAsync(CancellationToken.None);
        var again = await (await user.Client.SendAsync(Post(body, "kept"))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(first.GetProperty("taskId").GetGuid(), again.GetProperty("taskId").GetGuid());
    }
}
