using System.Text.Json;

namespace BlazorTasks.Tests.Infrastructure;

public static class TaskWaits
{
    /// <summary>Polls the task until it has <paramref name="status"/>, bounded by <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient client, Guid taskId, string status, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var task = await client.GetTaskAsync(taskId);
            if (task.GetProperty("status").GetString() == status)
            {
                return task;
            }

            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>Polls until a worker has picked the task up (it may already have finished by then).</summary>
    public static async Task<JsonElement> WaitUntilStartedAsync(this HttpClient client, Guid taskId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var task = await client.GetTaskAsync(taskId);
            if (task.GetProperty("status").GetString() != "pending")
            {
                return task;
            }

            await Task.Delay(20, cts.Token);
        }
    }
}
