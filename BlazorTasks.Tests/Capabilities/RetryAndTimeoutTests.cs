using System.Text.Json;
using BlazorTasks.Core;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>
/// The app on a fake clock, with two test task types: <c>flaky</c> always throws (an attempt failure,
/// retried) and <c>sleepy</c> waits until canceled (to overrun its timeout). Backoff and timeouts are
/// seconds long here, and pass by advancing the clock, never by sleeping.
/// </summary>
public sealed class FakeClockFactory : BlazorTasksFactory
{
    public FakeClockFactory()
    {
        With("Tasks:RetryBaseSeconds", "30");
        With("Tasks:MaxAttempts", "5");
        With("Tasks:Types:flaky:MaxAttempts", "3");
        With("Tasks:Types:sleepy:MaxAttempts", "1");
        With("Tasks:Types:sleepy:TimeoutSeconds", "20");
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Moves the clock on a few seconds; called while a test waits for an event.</summary>
    public void Tick() => Clock.Advance(TimeSpan.FromSeconds(2));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTaskHandler<FlakyHandler>();
            services.AddTaskHandler<SleepyHandler>();
        });
    }

    private sealed class FlakyHandler : ITaskHandler
    {
        public string Type => "flaky";
        public string Description => "Always throws (test type).";
        public IReadOnlyList<TaskPayloadField> Fields { get; } = [];
        public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => new Dictionary<string, string[]>();
        public Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"flaky failure on attempt {context.Attempt}");
    }

    private sealed class SleepyHandler : ITaskHandler
    {
        public string Type => "sleepy";
        public string Description => "Waits until canceled (test type).";
        public IReadOnlyList<TaskPayloadField> Fields { get; } = [];
        public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => new Dictionary<string, string[]>();

        public async Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return TaskHandlerResult.Complete(null);
        }
    }
}

public sealed class RetryAndTimeoutTests(FakeClockFactory app) : IClassFixture<FakeClockFactory>
{
    [Fact]
    public async Task AThrowingHandlerIsRetriedWithBackoffUpToItsTypesMaxAttemptsThenFails()
    {
        var user = await app.CreateUserAsync();
        using var events = new TaskEventWaiter(app, ownerId: user.Id);
        var taskId = await user.Client.CreateTaskIdAsync("flaky");

        var terminal = await events.WaitForAsync(e => e.TaskId == taskId && e.Name == TaskEventNames.Completed, TimeSpan.FromSeconds(20), app.Tick);

        Assert.Equal(TaskState.Failed, terminal.Data.Status);
        Assert.Equal(3, terminal.Data.Attempt);
        Assert.Equal("flaky failure on attempt 3", terminal.Data.Error);
        var started = events.Seen.Where(e => e.Name == TaskEventNames.Processing).ToList();
        Assert.Equal([1, 2, 3], started.Select(e => e.Data.Attempt));
        var retries = events.Seen.Where(e => e.Name == TaskEventNames.Progress && e.Data.Status == TaskState.Pending).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Equal("flaky failure on attempt 1", retries[0].Data.Error);
        // Backoff: attempt 1 waits 15–30 s (base 30 s, jitter), attempt 2 waits 30–60 s, on the fake clock.
        Assert.InRange((started[1].Data.At - retries[0].Data.At).TotalSeconds, 15, 32);
        Assert.InRange((started[2].Data.At - retries[1].Data.At).TotalSeconds, 30, 62);

        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Equal("flaky failure on attempt 3", task.GetProperty("result").GetProperty("error").GetString());
        Assert.Equal(3, task.GetProperty("attempt").GetInt32());
        Assert.Equal(3, task.GetProperty("maxAttempts").GetInt32());
    }

    [Fact]
    public async Task AHandlerThatOverrunsItsTypesTimeoutFailsWithAClearError()
    {
        var user = await app.CreateUserAsync();
        using var events = new TaskEventWaiter(app, ownerId: user.Id);
        var taskId = await user.Client.CreateTaskIdAsync("sleepy");
        await events.WaitForAsync(e => e.TaskId == taskId && e.Name == TaskEventNames.Processing);

        var terminal = await events.WaitForAsync(e => e.TaskId == taskId && e.Name == TaskEventNames.Completed, TimeSpan.FromSeconds(20), app.Tick);

        Assert.Equal(TaskState.Failed, terminal.Data.Status);
        Assert.Contains("timeout of 20 s", terminal.Data.Error);
        Assert.Equal(1, (await user.Client.GetTaskAsync(taskId)).GetProperty("maxAttempts").GetInt32());
    }

    [Fact]
    public async Task AnExternalTaskWhoseCallbackNeverComesFailsAfterItsTimeoutSeconds()
    {
        var user = await app.CreateUserAsync();
        using var events = new TaskEventWaiter(app, ownerId: user.Id);
        var taskId = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 10 });
        var processing = await events.WaitForAsync(e => e.TaskId == taskId && e.Name == TaskEventNames.Processing);

        var terminal = await events.WaitForAsync(e => e.TaskId == taskId && e.Name == TaskEventNames.Completed, TimeSpan.FromSeconds(20), app.Tick);

        Assert.Equal(TaskState.Failed, terminal.Data.Status);
        Assert.Equal("timed out waiting for callback", terminal.Data.Error);
        Assert.True((terminal.Data.At - processing.Data.At).TotalSeconds >= 10);
    }

    [Fact]
    public async Task IdempotencyKeysAreForgottenAfter24Hours()
    {
        // Its own app: this test moves the clock a whole day.
        await using var day = new FakeClockFactory();
        var user = await day.CreateUserAsync();
        const string body = """{"type":"simulated","payload":{"durationMs":0}}""";
        var first = await PostAsync(user.Client, body);
        Assert.Equal(first, await PostAsync(user.Client, body));

        day.Clock.Advance(TimeSpan.FromHours(23));
        await day.Services.GetRequiredService<BlazorTasks.Core.Capabilities.RetentionCleaner>().CleanAsync(CancellationToken.None);
        var client = await LogInAsync(day, user.Email);
        Assert.Equal(first, await PostAsync(client, body)); // 23 h: still a replay

        day.Clock.Advance(TimeSpan.FromHours(2));
        await day.Services.GetRequiredService<BlazorTasks.Core.Capabilities.RetentionCleaner>().CleanAsync(CancellationToken.None);
        client = await LogInAsync(day, user.Email);
        Assert.NotEqual(first, await PostAsync(client, body)); // 25 h: the key was removed, so this is a new task

        static async Task<Guid> PostAsync(HttpClient client, string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "daily-report");
            var response = await client.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JsonElement>(response.Content)).GetProperty("taskId").GetGuid();
        }

        static async Task<HttpClient> LogInAsync(BlazorTasksFactory factory, string email)
        {
            var client = factory.CreateClient();
            var login = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/auth/login", new { email, password = BlazorTasksFactory.Password });
            login.EnsureSuccessStatusCode();
            var token = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JsonElement>(login.Content)).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return client;
        }
    }
}
