using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BlazorTasks.Core.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without the web host.</summary>
internal sealed class DesignTimeTasksDbContextFactory : IDesignTimeDbContextFactory<TasksDbContext>
{
    public TasksDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TasksDbContext>()
            .UseSqlite("Data Source=design-time.db", sqlite => sqlite.MigrationsHistoryTable(TasksDbContext.MigrationsHistoryTable))
            .Options);
}
