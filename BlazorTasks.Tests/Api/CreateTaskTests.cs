using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Api;

public sealed class CreateTaskTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    [Fact]
    public async Task PostingSimulatedTaskAnswers202WithLocationAndRetryAfter()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.CreateTaskAsync("simulated", new { durationMs = 0 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var taskId = body.GetProperty("taskId").GetGuid();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal($"/api/tasks/{taskId}", body.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/tasks/{taskId}/events", body.GetProperty("eventsUrl").GetString());
        Assert.Equal($"/api/tasks/{taskId}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.RetryAfter);

        var finished = await user.Client.WaitForTerminalAsync(taskId);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
    }
}
