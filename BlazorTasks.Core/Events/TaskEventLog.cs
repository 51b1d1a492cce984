using System.Text.Json;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace BlazorTasks.Core.Events;

/// <summary>Reads the committed event outbox: what a reconnecting client missed, in id order.</summary>
public sealed class TaskEventLog(IDbContextFactory<TasksDbContext> dbFactory)
{
    public async Task<IReadOnlyList<TaskEvent>> ReadAfterAsync(EventFilter filter, long afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = db.TaskEvents.AsNoTracking().Where(e => e.Id > afterId);
        if (filter.OwnerId is { } owner)
        {
            events = events.Where(e => e.OwnerId == owner);
        }

        if (filter.TaskId is { } taskId)
        {
            events = events.Where(e => e.TaskId == taskId);
        }

        var rows = await events.OrderBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.Select(ToEvent).ToList();
    }

    /// <summary>The last event of a task (its terminal event, once it has ended).</summary>
    public async Task<TaskEvent?> ReadLastAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.TaskEvents.AsNoTracking().Where(e => e.TaskId == taskId).OrderByDescending(e => e.Id).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : ToEvent(row);
    }

    public static TaskEvent ToEvent(TaskEventRecord row) =>
        new(row.Id, row.Name, row.OwnerId, row.DataJson, JsonSerializer.Deserialize<TaskEventData>(row.DataJson, TaskJson.Options)!);
}
