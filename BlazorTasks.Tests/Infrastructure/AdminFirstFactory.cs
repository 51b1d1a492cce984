using Microsoft.Data.Sqlite;

namespace BlazorTasks.Tests.Infrastructure;

/// <summary>
/// A fresh app whose first account (the admin) is registered before any test of the class runs, so every
/// <see cref="BlazorTasksFactory.CreateUserAsync"/> in a test is an ordinary user whatever the test order.
/// </summary>
public class AdminFirstFactory : BlazorTasksFactory, IAsyncLifetime
{
    private TestUser? _admin;

    public TestUser Admin => _admin ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public async ValueTask InitializeAsync() => _admin = await CreateUserAsync($"admin-{Guid.NewGuid():N}@example.test");

    /// <summary>Names of the events stored in the outbox for one task, in id order.</summary>
    public async Task<IReadOnlyList<string>> StoredEventNamesAsync(Guid taskId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, Web.Hosting.DataDirectory.DatabaseFile)}");
        await connection.OpenAsync();
        return await TaskDatabase.EventNamesAsync(connection, taskId);
    }

    /// <summary>Whether a webhook receipt was stored for the task.</summary>
    public async Task<int> WebhookReceiptCountAsync(Guid taskId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, Web.Hosting.DataDirectory.DatabaseFile)}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM WebhookReceipts WHERE TaskId = @task";
        command.Parameters.AddWithValue("@task", taskId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Reads the outbox straight from the SQLite file (the same parameter binding as the writer's).</summary>
public static class TaskDatabase
{
    public static async Task<IReadOnlyList<string>> EventNamesAsync(SqliteConnection connection, Guid taskId)
    {
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Name FROM TaskEvents WHERE TaskId = @task ORDER BY Id";
        command.Parameters.AddWithValue("@task", taskId);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}

public static class TaskDatabaseQueries
{
    /// <summary>Ids of the stored events of one owner with id greater than <paramref name="after"/>, in order.</summary>
    public static async Task<IReadOnlyList<long>> EventIdsAfterAsync(this BlazorTasksFactory app, string ownerId, long after)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, Web.Hosting.DataDirectory.DatabaseFile)}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM TaskEvents WHERE OwnerId = @owner AND Id > @after ORDER BY Id";
        command.Parameters.AddWithValue("@owner", ownerId);
        command.Parameters.AddWithValue("@after", after);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
