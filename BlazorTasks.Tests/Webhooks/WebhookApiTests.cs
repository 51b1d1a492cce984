using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Tests.Api;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Webhooks;

public sealed class WebhookApiTests(SmallBodyLimitFactory app) : IClassFixture<SmallBodyLimitFactory>
{
    /// <summary>An external task that a worker has picked up and that now waits for its webhook.</summary>
    private async Task<(TestUser User, Guid TaskId)> ProcessingExternalTaskAsync()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external");
        await user.Client.WaitForStatusAsync(taskId, "processing");
        return (user, taskId);
    }

    private async Task<HttpResponseMessage> PostRawAsync(byte[] body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/tasks") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await app.CreateClient().SendAsync(request);
    }

    private static int Count(IEnumerable<string> names, string name) => names.Count(n => n == name);

    [Fact]
    public async Task ASignedCompletionIsAppliedAndAnswersOkTrue()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();

        var response = await app.PostWebhookAsync(new { taskId, status = "completed", result = new { rows = 42 } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("ok").GetBoolean());
        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(42, task.GetProperty("result").GetProperty("rows").GetInt32());
        Assert.Equal(1, Count(await app.StoredEventNamesAsync(taskId), "task-completed"));
    }

    [Fact]
    public async Task ASignedFailureStoresTheErrorInResult()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();

        var response = await app.PostWebhookAsync(new { taskId, status = "failed", error = "the printer is on fire" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Equal("the printer is on fire", task.GetProperty("result").GetProperty("error").GetString());
    }

    [Fact]
    public async Task TheSameWebhookIdAgainIsAnOkNoOpWithoutASecondEvent()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();
        var messageId = $"msg_{Guid.NewGuid():N}";

        var first = await app.PostWebhookAsync(new { taskId, status = "processing", progress = new { percent = 10, message = "once" } }, messageId);
        var again = await app.PostWebhookAsync(new { taskId, status = "processing", progress = new { percent = 10, message = "once" } }, messageId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await again.ReadJsonAsync()).GetProperty("ok").GetBoolean());
        Assert.Equal(1, Count(await app.StoredEventNamesAsync(taskId), "task-progress"));

        // A redelivery of an applied id changes nothing, even if its body differs.
        var completed = await app.PostWebhookAsync(new { taskId, status = "completed", result = "first" }, $"msg_{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var replay = await app.PostWebhookAsync(new { taskId, status = "processing", progress = new { percent = 99 } }, messageId);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("completed", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
        Assert.Equal(["task-created", "task-processing", "task-progress", "task-completed"], await app.StoredEventNamesAsync(taskId));
    }

    [Fact]
    public async Task TheSameTerminalStatusAgainIsAnOkNoOpWithoutASecondEvent()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();

        var first = await app.PostWebhookAsync(new { taskId, status = "completed", result = "first" });
        var second = await app.PostWebhookAsync(new { taskId, status = "completed", result = "second" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True((await second.ReadJsonAsync()).GetProperty("ok").GetBoolean());
        Assert.Equal("first", (await user.Client.GetTaskAsync(taskId)).GetProperty("result").GetString());
        Assert.Equal(1, Count(await app.StoredEventNamesAsync(taskId), "task-completed"));
    }

    [Fact]
    public async Task CompletedThenFailedIsA409ProblemAndChangesNothing()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();
        await app.PostWebhookAsync(new { taskId, status = "completed", result = "kept" });

        var response = await app.PostWebhookAsync(new { taskId, status = "failed", error = "too late" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("completed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var task = await user.Client.GetTaskAsync(taskId);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("kept", task.GetProperty("result").GetString());
        Assert.Equal(1, Count(await app.StoredEventNamesAsync(taskId), "task-completed"));
    }

    [Fact]
    public async Task ACompletionForACanceledTaskIsA409Problem()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external");
        await user.Client.WaitForStatusAsync(taskId, "processing");
        var cancel = await user.Client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        var response = await app.PostWebhookAsync(new { taskId, status = "completed" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("canceled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownTaskIsA404Problem()
    {
        var unknown = Guid.NewGuid();

        var response = await app.PostWebhookAsync(new { taskId = unknown, status = "completed" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(unknown.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"taskId\": ")]
    [InlineData("not json at all")]
    public async Task ASignedMalformedBodyIsA400Problem(string body)
    {
        var response = await app.PostWebhookAsync(body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignedBodyWithBadFieldsIsA400NamingThem()
    {
        var response = await app.PostWebhookAsync(new { taskId = "nope", status = "done", progress = new { percent = 101 }, error = 5 });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.ErrorsFor("taskId"));
        Assert.NotEmpty(problem.ErrorsFor("status"));
        Assert.NotEmpty(problem.ErrorsFor("progress.percent"));
        Assert.NotEmpty(problem.ErrorsFor("error"));
    }

    [Fact]
    public async Task AWebhookWithoutSignatureHeadersIsA401Problem()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();
        var body = Encoding.UTF8.GetBytes($"{{\"taskId\":\"{taskId}\",\"status\":\"completed\"}}");

        var response = await PostRawAsync(body, []);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Missing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("processing", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnUnsignedMalformedBodyIsA401NotA400BecauseTheSignatureComesFirst()
    {
        var response = await PostRawAsync(Encoding.UTF8.GetBytes("{{{"), []);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AWebhookSignedWithAnotherSecretIsA401Problem()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();

        var response = await app.PostWebhookAsync(new { taskId, status = "completed" }, secret: StandardWebhook.GenerateSecret());

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("signature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("processing", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
        Assert.DoesNotContain("task-completed", await app.StoredEventNamesAsync(taskId));
    }

    [Fact]
    public async Task ATamperedBodyIsA401Problem()
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();
        var signed = Encoding.UTF8.GetBytes($"{{\"taskId\":\"{taskId}\",\"status\":\"completed\"}}");
        var sent = Encoding.UTF8.GetBytes($"{{\"taskId\":\"{taskId}\",\"status\":\"failed\"}}");
        var headers = app.Signer.CreateHeaders($"msg_{Guid.NewGuid():N}", DateTimeOffset.UtcNow, signed);

        var response = await PostRawAsync(sent, headers);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("processing", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task ATimestampMoreThanFiveMinutesOffIsA401Problem(int minutes)
    {
        var (user, taskId) = await ProcessingExternalTaskAsync();

        var response = await app.PostWebhookAsync(new { taskId, status = "completed" }, timestamp: DateTimeOffset.UtcNow.AddMinutes(minutes));

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("timestamp", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("processing", (await user.Client.GetTaskAsync(taskId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ABodyOverTheLimitIsA413Problem()
    {
        var (_, taskId) = await ProcessingExternalTaskAsync();

        var response = await app.PostWebhookAsync(new { taskId, status = "completed", result = new string('x', SmallBodyLimitFactory.Limit) });

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }
}
