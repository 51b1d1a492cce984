using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

public sealed class ArtifactTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    private static async Task<JsonElement> RunAsync(TestUser user, string type, object payload)
    {
        var taskId = await user.Client.CreateTaskIdAsync(type, payload);
        var task = await user.Client.WaitForTerminalAsync(taskId);
        Assert.True(task.GetProperty("status").GetString() == "completed", task.ToString());
        return task;
    }

    private static async Task SeedAsync(TestUser user)
    {
        var ok1 = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 20, steps = 2 });
        var ok2 = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        var bad = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });
        foreach (var id in new[] { ok1, ok2, bad })
        {
            await user.Client.WaitForTerminalAsync(id);
        }
    }

    [Fact]
    public async Task AReportCountsTheCallersTasksAndHasADownloadableCsv()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        await SeedAsync(user);
        await other.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 }); // not in user's report

        var task = await RunAsync(user, "generate-report", new { dateRange = new { from = Today, to = Today } });

        var result = task.GetProperty("result");
        Assert.Equal(4, result.GetProperty("total").GetInt32()); // 3 seeded + the report itself
        Assert.Equal(2, result.GetProperty("byStatus").GetProperty("completed").GetInt32());
        Assert.Equal(1, result.GetProperty("byStatus").GetProperty("failed").GetInt32());
        Assert.Equal(1, result.GetProperty("byStatus").GetProperty("processing").GetInt32());
        Assert.Equal(3, result.GetProperty("byType").GetProperty("simulated").GetProperty("count").GetInt32());
        var durations = result.GetProperty("durationMs");
        Assert.Equal(2, durations.GetProperty("count").GetInt32());
        Assert.True(durations.GetProperty("p95").GetDouble() >= durations.GetProperty("p50").GetDouble());
        Assert.Equal($"/api/tasks/{task.GetProperty("taskId").GetGuid()}/artifact", task.GetProperty("artifactUrl").GetString());

        var download = await user.Client.GetAsync(task.GetProperty("artifactUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("report-", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var csv = await download.Content.ReadAsStringAsync();
        Assert.StartsWith("section,key,count,completed,p50Ms,p95Ms", csv);
        Assert.Contains("status,failed,1,,,", csv);
        Assert.Contains("\ntype,simulated,3,2,", csv);
    }

    [Fact]
    public async Task AReportOverARangeWithoutTasksIsEmpty()
    {
        var user = await app.CreateUserAsync();

        var task = await RunAsync(user, "generate-report", new { dateRange = new { from = "2020-01-01", to = "2020-01-31T23:59:59Z" } });

        Assert.Equal(0, task.GetProperty("result").GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("result").GetProperty("durationMs").GetProperty("p50").ValueKind);
    }

    [Fact]
    public async Task ACsvExportWithAStatusFilterHasOneRowPerMatchingTask()
    {
        var user = await app.CreateUserAsync();
        await SeedAsync(user);

        var task = await RunAsync(user, "data-export", new { format = "csv", status = "completed" });

        Assert.Equal(2, task.GetProperty("result").GetProperty("rows").GetInt32());
        var download = await user.Client.GetAsync($"/api/tasks/{task.GetProperty("taskId").GetGuid()}/artifact");
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".csv", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await download.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("taskId,type,status,", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), line => Assert.Contains(",simulated,completed,", line));
    }

    [Fact]
    public async Task AJsonExportContainsTheCallersTasksAsTaskObjects()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        await SeedAsync(user);
        await other.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });

        var task = await RunAsync(user, "data-export", new { format = "json" });

        var download = await user.Client.GetAsync($"/api/tasks/{task.GetProperty("taskId").GetGuid()}/artifact");
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        var rows = (await download.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(4, rows.Count); // 3 seeded + the export itself (processing while it ran)
        Assert.Equal(2, rows.Count(r => r.GetProperty("status").GetString() == "completed"));
        Assert.Contains(rows, r => r.GetProperty("result").ValueKind == JsonValueKind.Object && r.GetProperty("result").TryGetProperty("error", out _));
    }

    [Fact]
    public async Task AnotherUsersArtifactIs404AndSoIsATaskWithoutOne()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var export = await RunAsync(user, "data-export", new { format = "csv" });
        var simulated = await RunAsync(user, "simulated", new { durationMs = 0 });

        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync($"/api/tasks/{export.GetProperty("taskId").GetGuid()}/artifact")).StatusCode);
        var none = await user.Client.GetAsync($"/api/tasks/{simulated.GetProperty("taskId").GetGuid()}/artifact");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal("No artifact", (await none.ProblemAsync()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/tasks/{Guid.NewGuid()}/artifact")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync("/api/tasks/nope/artifact")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/api/tasks/{export.GetProperty("taskId").GetGuid()}/artifact")).StatusCode);
    }

    [Theory]
    [InlineData("generate-report", """{}""", "payload.dateRange")]
    [InlineData("generate-report", """{"dateRange":{"from":"yesterday","to":"2026-01-01"}}""", "payload.dateRange.from")]
    [InlineData("generate-report", """{"dateRange":{"from":"2026-02-01","to":"2026-01-01"}}""", "payload.dateRange")]
    [InlineData("data-export", """{}""", "payload.format")]
    [InlineData("data-export", """{"format":"xml"}""", "payload.format")]
    [InlineData("data-export", """{"format":"csv","status":"done"}""", "payload.status")]
    public async Task InvalidReportAndExportPayloadsAre400NamingTheField(string type, string payload, string field)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync("/api/tasks", new StringContent($$"""{"type":"{{type}}","payload":{{payload}}}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}");
    }

    [Fact]
    public async Task TheNewTypesAreListed()
    {
        var user = await app.CreateUserAsync();

        var types = await user.Client.GetFromJsonAsync<JsonElement>("/api/task-types");

        var names = types.EnumerateArray().Select(t => t.GetProperty("type").GetString()).ToList();
        Assert.Contains("generate-report", names);
        Assert.Contains("data-export", names);
    }
}

public sealed class RetentionFactory : BlazorTasksFactory
{
    public RetentionFactory() => With("Tasks:RetentionDays", "0");
}

public sealed class RetentionTests(RetentionFactory app) : IClassFixture<RetentionFactory>
{
    [Fact]
    public async Task FinishedTasksPastTheRetentionAreDeletedWithTheirArtifacts()
    {
        var user = await app.CreateUserAsync();
        var exportId = await user.Client.CreateTaskIdAsync("data-export", new { format = "json" });
        await user.Client.WaitForTerminalAsync(exportId);
        var file = Path.Combine(app.DataDirectory, "artifacts", $"{exportId:N}.json");
        Assert.True(File.Exists(file));
        var waiting = await user.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });

        var deleted = await app.Services.GetRequiredService<RetentionCleaner>().CleanAsync(CancellationToken.None);

        Assert.True(deleted >= 1);
        Assert.False(File.Exists(file));
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/tasks/{exportId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"/api/tasks/{waiting}")).StatusCode); // unfinished: kept
    }
}
