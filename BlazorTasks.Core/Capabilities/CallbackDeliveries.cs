using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace BlazorTasks.Core.Capabilities;

/// <summary>A task's outbound callback and every delivery attempt so far (for the API and the details page).</summary>
public sealed record CallbackDeliveryView(
    Guid TaskId,
    string? CallbackUrl,
    string? Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<CallbackAttemptView> Deliveries);

public sealed record CallbackAttemptView(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, bool Succeeded, double DurationMs);

public sealed class CallbackDeliveries(IDbContextFactory<TasksDbContext> dbFactory)
{
    /// <summary>The task's callback deliveries, or null when the task does not exist or the caller may not see it.</summary>
    public async Task<CallbackDeliveryView?> GetAsync(Guid taskId, UserScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.Id == taskId)
            .Select(t => new { t.OwnerId, t.CallbackUrl, t.CallbackStatus, t.CallbackAttempts, t.CallbackNextAttemptAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (task is null || !scope.CanSee(task.OwnerId))
        {
            return null;
        }

        var attempts = await db.CallbackAttempts.AsNoTracking()
            .Where(a => a.TaskId == taskId)
            .OrderBy(a => a.Id)
            .Select(a => new CallbackAttemptView(a.Attempt, a.At, a.StatusCode, a.Error, a.Succeeded, a.DurationMs))
            .ToListAsync(cancellationToken);
        return new CallbackDeliveryView(
            taskId,
            task.CallbackUrl,
            task.CallbackStatus,
            task.CallbackAttempts,
            task.CallbackStatus == CallbackStatuses.Pending ? task.CallbackNextAttemptAt : null,
            attempts);
    }
}
