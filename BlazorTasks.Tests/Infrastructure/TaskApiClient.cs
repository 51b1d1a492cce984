using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Tests.Infrastructure;

public static class TaskApiClient
{
    public static Task<HttpResponseMessage> CreateTaskAsync(this HttpClient client, string type, object? payload = null) =>
        client.PostAsJsonAsync("/api/tasks", new { type, payload = payload ?? new { } });

    /// <summary>Creates a task and returns its id, failing the test unless the answer is 202.</summary>
    public static async Task<Guid> CreateTaskIdAsync(this HttpClient client, string type, object? payload = null)
    {
        var response = await client.CreateTaskAsync(type, payload);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();
    }

    public static async Task<JsonElement> GetTaskAsync(this HttpClient client, Guid taskId)
    {
        var response = await client.GetAsync($"/api/tasks/{taskId}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls the task until it is terminal (bounded by <paramref name="timeout"/>); for tests that do not follow events.</summary>
    public static async Task<JsonElement> WaitForTerminalAsync(this HttpClient client, Guid taskId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var task = await client.GetTaskAsync(taskId);
            if (TaskStateNames.Parse(task.GetProperty("status").GetString()!).IsTerminal())
            {
                return task;
            }

            await Task.Delay(25, cts.Token);
        }
    }
}
