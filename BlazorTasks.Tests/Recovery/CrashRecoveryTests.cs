using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace BlazorTasks.Tests.Recovery;

/// <summary>
/// Kills the real app while tasks are pending and processing, restarts it on the same data folder, and
/// checks that every task still finishes exactly once and that the event log resumes across the restart.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const string Password = "Passw0rd!-recovery";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "blazortasks-tests", "recovery-" + Guid.NewGuid().ToString("N"));
    private readonly int _port = AppProcess.FreePort();
    private readonly List<AppProcess> _processes = [];

    private Dictionary<string, string> Environment => new()
    {
        ["Storage__DataDirectory"] = _dataDirectory,
        ["Tasks__LeaseSeconds"] = "2",
        ["Tasks__SweepSeconds"] = "0.5",
        ["Tasks__RetryBaseSeconds"] = "0.1",
        ["Tasks__Workers"] = "3",
        ["Webhooks__Secret"] = StandardWebhook.GenerateSecret(),
        ["Webhooks__CallbackSecret"] = StandardWebhook.GenerateSecret(),
    };

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        return ValueTask.CompletedTask;
    }

    private async Task<AppProcess> StartAsync(Dictionary<string, string> environment)
    {
        var app = await AppProcess.StartAsync(_port, environment);
        _processes.Add(app);
        return app;
    }

    private SqliteConnection OpenDatabase()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDirectory, Web.Hosting.DataDirectory.DatabaseFile)};Pooling=False");
        connection.Open();
        return connection;
    }

    private async Task<Dictionary<Guid, string>> StatusesAsync(IEnumerable<Guid> taskIds)
    {
        await using var connection = OpenDatabase();
        var statuses = new Dictionary<Guid, string>();
        foreach (var taskId in taskIds)
        {
            var command = connection.CreateCommand();
            command.CommandText = "SELECT Status FROM Tasks WHERE Id = @id";
            command.Parameters.AddWithValue("@id", taskId);
            statuses[taskId] = (string)(await command.ExecuteScalarAsync())!;
        }

        return statuses;
    }

    private async Task<List<long>> StoredEventIdsAfterAsync(long after)
    {
        await using var connection = OpenDatabase();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM TaskEvents WHERE Id > @after ORDER BY Id";
        command.Parameters.AddWithValue("@after", after);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    [Fact]
    public async Task TasksInterruptedByACrashFinishExactlyOnceAfterRestartAndEventsResume()
    {
        var environment = Environment;
        var first = await StartAsync(environment);
        var email = $"recovery-{Guid.NewGuid():N}@example.test";
        var token = await first.RegisterAndLoginAsync(email, Password);
        using var client = first.CreateClient(token);

        var taskIds = new List<Guid>();
        long lastSeen;
        await using (var stream = await EventStream.OpenAsync(client, "/api/tasks/events"))
        {
            for (var i = 0; i < 8; i++)
            {
                var payload = i < 4 ? new { durationMs = 3000, steps = 3 } : new { durationMs = 400, steps = 2 };
                var created = await client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload });
                Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
                taskIds.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid());
            }

            // Crash once work is under way: a long task is processing and others still wait for a slot.
            var seen = await stream.ReadUntilAsync(e => e.Name == "task-progress" && taskIds.IndexOf(e.TaskId) < 4);
            lastSeen = seen[^1].Id;
            await first.KillAsync();
        }

        var atCrash = await StatusesAsync(taskIds);
        Assert.Contains("processing", atCrash.Values);
        Assert.Contains("pending", atCrash.Values);
        var interrupted = atCrash.Where(s => s.Value == "processing").Select(s => s.Key).ToList();
        var missedBeforeRestart = await StoredEventIdsAfterAsync(lastSeen);

        var second = await StartAsync(environment);
        // Data Protection keys live in the data folder, so the token from before the crash still works.
        using var resumedClient = second.CreateClient(token);
        await using var resumed = await EventStream.OpenAsync(resumedClient, "/api/tasks/events", lastSeen);

        var finished = new Dictionary<Guid, JsonElement>();
        foreach (var taskId in taskIds)
        {
            finished[taskId] = await resumedClient.WaitForTerminalAsync(taskId, TimeSpan.FromSeconds(60));
        }

        foreach (var (taskId, task) in finished)
        {
            Assert.True(task.GetProperty("status").GetString() == "completed", $"Task {taskId} ended {task}");
            await using var connection = OpenDatabase();
            var names = await TaskDatabase.EventNamesAsync(connection, taskId);
            Assert.Equal(1, names.Count(n => n == "task-completed"));
            Assert.Equal("task-created", names[0]);
        }

        foreach (var taskId in interrupted)
        {
            // Its first attempt died with the process: it finished on a later one.
            Assert.True(finished[taskId].GetProperty("attempt").GetInt32() >= 2, $"Task {taskId} was not re-run: {finished[taskId]}");
        }

        // The resumed stream replays what was stored after lastSeen (before and after the crash), in
        // order and without gaps or duplicates, then continues live.
        var expected = await StoredEventIdsAfterAsync(lastSeen);
        Assert.True(expected.Count > missedBeforeRestart.Count);
        var received = new List<ReceivedEvent>();
        while (received.Count < expected.Count)
        {
            received.Add((await resumed.NextAsync())!);
        }

        Assert.Equal(expected, received.Select(e => e.Id));
        var completedAfterLastSeen = received.Where(e => e.Name == "task-completed").Select(e => e.TaskId).ToList();
        Assert.Equal(completedAfterLastSeen.Distinct(), completedAfterLastSeen);
        foreach (var (taskId, status) in atCrash.Where(s => s.Value is "pending" or "processing"))
        {
            Assert.Contains(taskId, completedAfterLastSeen);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
