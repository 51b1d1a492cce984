using System.Net;
using System.Text.RegularExpressions;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Api;

public sealed partial class GetTaskTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtc();

    [Fact]
    public async Task AFinishedTaskHasTheDocumentedShape()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 50, steps = 2 });
        await user.Client.WaitForTerminalAsync(taskId);

        var response = await user.Client.GetAsync($"/api/tasks/{taskId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var task = await response.ReadJsonAsync();
        Assert.Equal(taskId, task.GetProperty("taskId").GetGuid());
        Assert.Equal("simulated", task.GetProperty("type").GetString());
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(100, task.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Equal(50, task.GetProperty("payload").GetProperty("durationMs").GetInt32());
        Assert.Equal(2, task.GetProperty("result").GetProperty("steps").GetInt32());
        Assert.Equal("worker", task.GetProperty("result").GetProperty("completedVia").GetString());
        Assert.Equal(1, task.GetProperty("attempt").GetInt32());
        Assert.True(task.GetProperty("maxAttempts").GetInt32() >= 1);
        foreach (var time in new[] { "createdAt", "startedAt", "completedAt" })
        {
            Assert.Matches(IsoUtc(), task.GetProperty(time).GetString());
        }

        var created = task.GetProperty("createdAt").GetDateTimeOffset();
        var started = task.GetProperty("startedAt").GetDateTimeOffset();
        var completed = task.GetProperty("completedAt").GetDateTimeOffset();
        Assert.True(created <= started && started <= completed, $"{created:O} <= {started:O} <= {completed:O}");
    }

    [Fact]
    public async Task AFreshTaskHasNoProgressResultOrCompletionTime()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("external", new { reference = "abc" });

        var task = await user.Client.GetTaskAsync(taskId);

        Assert.Equal("external", task.GetProperty("type").GetString());
        Assert.Contains(task.GetProperty("status").GetString(), new[] { "pending", "processing" });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, task.GetProperty("progress").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, task.GetProperty("result").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, task.GetProperty("completedAt").ValueKind);
        Assert.Equal("abc", task.GetProperty("payload").GetProperty("reference").GetString());
    }

    [Fact]
    public async Task AFailedTaskCarriesItsErrorInResult()
    {
        var user = await app.CreateUserAsync();
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });

        var task = await user.Client.WaitForTerminalAsync(taskId);

        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Contains("Simulated failure", task.GetProperty("result").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUsersTaskIsA404Problem()
    {
        var owner = await app.CreateUserAsync();
        var stranger = await app.CreateUserAsync();
        var taskId = await owner.Client.CreateTaskIdAsync("external");

        var response = await stranger.Client.GetAsync($"/api/tasks/{taskId}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(taskId.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownTaskIsA404Problem()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync($"/api/tasks/{Guid.NewGuid()}");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("12345")]
    [InlineData("00000000-0000-0000-0000-00000000000g")]
    [InlineData("%27%20OR%201%3D1")]
    public async Task AMalformedIdIsA404ProblemNotA500(string id)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync($"/api/tasks/{id}");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnAdminSeesAnotherUsersTask()
    {
        var owner = await app.CreateUserAsync();
        var taskId = await owner.Client.CreateTaskIdAsync("external", new { reference = "owned" });

        var task = await app.Admin.Client.GetTaskAsync(taskId);

        Assert.Equal(taskId, task.GetProperty("taskId").GetGuid());
        Assert.Equal("owned", task.GetProperty("payload").GetProperty("reference").GetString());
    }

    [Fact]
    public async Task AnUnauthenticatedReadIsA401Problem()
    {
        var owner = await app.CreateUserAsync();
        var taskId = await owner.Client.CreateTaskIdAsync("external");

        var response = await app.CreateClient().GetAsync($"/api/tasks/{taskId}");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
