using BlazorTasks.Core.Storage;
using BlazorTasks.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Hosting;

public static class DatabaseMigrations
{
    /// <summary>Creates or upgrades the SQLite file with EF Core migrations and switches it to WAL.</summary>
    public static async Task MigrateDatabasesAsync(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        await using (var connection = new SqliteConnection(storage.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            await command.ExecuteNonQueryAsync();
        }

        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().Database.MigrateAsync();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<TasksDbContext>>();
        await using var tasks = await factory.CreateDbContextAsync();
        await tasks.Database.MigrateAsync();
    }
}
