using System.Net;
using System.Net.Http.Json;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace BlazorTasks.Tests.Api;

public sealed class ConcurrentCreateTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [Fact]
    public async Task TwoHundredConcurrentCreatesFromSeveralUsersAreAllAcceptedAndFinishOnce()
    {
        var users = new List<TestUser>();
        for (var i = 0; i < 4; i++)
        {
            users.Add(await app.CreateUserAsync());
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var user = users[i % users.Count];
            var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = i % 5 * 10, steps = 1, fail = i % 7 == 0 } });
            return (User: user, Response: response, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        // Reads race with the writes too.
        var reads = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await users[i % users.Count].Client.GetAsync("/api/tasks?pageSize=100");
        })).ToList();

        start.SetResult();
        var results = await Task.WhenAll(creates);
        var listings = await Task.WhenAll(reads);

        Assert.All(results, r => Assert.True(r.Response.StatusCode == HttpStatusCode.Accepted, $"{(int)r.Response.StatusCode}: {r.Body}"));
        Assert.All(listings, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var taskIds = results.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("taskId").GetGuid()).ToList();
        Assert.Equal(200, taskIds.Distinct().Count());

        foreach (var (result, taskId) in results.Zip(taskIds))
        {
            var task = await result.User.Client.WaitForTerminalAsync(taskId, TimeSpan.FromSeconds(60));
            Assert.Contains(task.GetProperty("status").GetString(), new[] { "completed", "failed" });
        }

        foreach (var user in users)
        {
            var page = await (await user.Client.GetAsync("/api/tasks?pageSize=100")).ReadJsonAsync();
            Assert.Equal(50, page.GetProperty("total").GetInt32());
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, Web.Hosting.DataDirectory.DatabaseFile)}");
        await connection.OpenAsync();
        foreach (var taskId in taskIds)
        {
            var names = await TaskDatabase.EventNamesAsync(connection, taskId);
            Assert.Equal(1, names.Count(n => n == "task-completed"));
            Assert.Equal(1, names.Count(n => n == "task-created"));
        }
    }
}
