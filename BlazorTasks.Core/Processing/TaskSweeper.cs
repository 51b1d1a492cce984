using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Processing;

/// <summary>
/// Keeps the database-backed queue honest: at start-up it wakes every pending task; then, every
/// <see cref="TaskOptions.SweepSeconds"/>, it renews this process's leases, returns tasks whose worker
/// died to pending (or fails them past maxAttempts), fails external tasks past their deadline, wakes
/// pending tasks that have no wake-up, and trims the event log and old bookkeeping.
/// </summary>
public sealed class TaskSweeper(
    TaskQueue queue,
    TaskWriter writer,
    RunningTasks running,
    IDbContextFactory<TasksDbContext> dbFactory,
    IOptions<TaskOptions> taskOptions,
    IOptions<EventOptions> eventOptions,
    TimeProvider time,
    ILogger<TaskSweeper> logger) : BackgroundService
{
    private readonly TaskOptions _options = taskOptions.Value;
    private DateTimeOffset _nextCleanup;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WakePendingAsync(DateTimeOffset.MaxValue, stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.05, _options.SweepSeconds)), time);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogError(exception, "Task sweep failed; retrying at the next interval");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var lease = TimeSpan.FromSeconds(_options.LeaseSeconds);
        var runningIds = running.Ids.ToArray();
        if (runningIds.Length > 0)
        {
            await writer.RunAsync(c => TaskStore.RenewLeases(c, running.LeaseOwner, runningIds, lease), cancellationToken);
        }

        var retryDelay = TimeSpan.FromSeconds(_options.RetryBaseSeconds);
        var requeued = await writer.RunAsync(c => TaskStore.RecoverExpired(c, retryDelay), cancellationToken);
        if (requeued.Count > 0)
        {
            logger.LogWarning("Recovered {Count} tasks whose worker stopped; they run again after {Delay}", requeued.Count, retryDelay);
        }

        // Pending tasks older than one sweep with no wake-up in the channel (e.g. it overflowed, or a
        // retry's delayed wake-up was lost with a restart) are woken here.
        if (queue.ClearOverflow() || queue.Count == 0)
        {
            await WakePendingAsync(time.GetUtcNow(), cancellationToken);
        }

        if (time.GetUtcNow() >= _nextCleanup)
        {
            await CleanUpAsync(cancellationToken);
            _nextCleanup = time.GetUtcNow().AddMinutes(10);
        }
    }

    private async Task WakePendingAsync(DateTimeOffset dueBy, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.Tasks.AsNoTracking()
            .Where(t => t.Status == TaskState.Pending && (t.NotBefore == null || t.NotBefore <= dueBy))
            .OrderBy(t => t.CreatedAt)
            .Select(t => t.Id)
            .Take(_options.QueueCapacity / 2)
            .ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            queue.Enqueue(id);
        }

        if (ids.Count > 0 && dueBy == DateTimeOffset.MaxValue)
        {
            logger.LogInformation("Woke {Count} pending tasks at start-up", ids.Count);
        }
    }

    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        var eventCutoff = time.GetUtcNow().AddHours(-eventOptions.Value.RetentionHours).ToUnixTimeMilliseconds();
        var dayAgo = time.GetUtcNow().AddHours(-48).ToUnixTimeMilliseconds();
        var deleted = await writer.RunAsync(c =>
        {
            var events = c.Command("DELETE FROM TaskEvents WHERE At < @cutoff");
            events.Parameters.AddWithValue("@cutoff", eventCutoff);
            var count = events.ExecuteNonQuery();
            var receipts = c.Command("DELETE FROM WebhookReceipts WHERE ReceivedAt < @cutoff");
            receipts.Parameters.AddWithValue("@cutoff", dayAgo);
            receipts.ExecuteNonQuery();
            return count;
        }, cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Removed {Count} events older than the retention", deleted);
        }
    }
}
