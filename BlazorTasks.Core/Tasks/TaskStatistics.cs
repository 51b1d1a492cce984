using BlazorTasks.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BlazorTasks.Core.Tasks;

/// <summary>What the dashboard shows at a glance: counts per status, the median run time, and throughput.</summary>
public sealed record TaskSummary(
    IReadOnlyDictionary<TaskState, int> CountsByStatus,
    TimeSpan? MedianDuration,
    IReadOnlyList<MinuteBucket> FinishedPerMinute)
{
    public int Count(TaskState status) => CountsByStatus.GetValueOrDefault(status);

    public int Total => CountsByStatus.Values.Sum();
}

/// <summary>Tasks that reached a terminal state during one minute, by outcome.</summary>
public sealed record MinuteBucket(DateTimeOffset Minute, int Completed, int Failed, int Canceled);

/// <summary>Read-only aggregates over a user's (or, for admins, everyone's) tasks.</summary>
public sealed class TaskStatistics(IDbContextFactory<TasksDbContext> dbFactory, TimeProvider time)
{
    public const int Minutes = 60;

    /// <summary>Durations considered for the median: the most recent finished tasks.</summary>
    public const int MedianSample = 1000;

    public async Task<TaskSummary> GetSummaryAsync(UserScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tasks = db.Tasks.AsNoTracking();
        if (scope.OwnerFilter is { } owner)
        {
            tasks = tasks.Where(t => t.OwnerId == owner);
        }

        var counts = await tasks.GroupBy(t => t.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);

        // Times are stored as Unix milliseconds: filter and order in SQL, subtract here.
        var finished = await tasks
            .Where(t => t.Status == TaskState.Completed && t.StartedAt != null && t.CompletedAt != null)
            .OrderByDescending(t => t.Id)
            .Take(MedianSample)
            .Select(t => new { t.StartedAt, t.CompletedAt })
            .ToListAsync(cancellationToken);
        var durations = finished.Select(t => t.CompletedAt!.Value - t.StartedAt!.Value).Order().ToList();
        TimeSpan? median = durations.Count == 0
            ? null
            : durations.Count % 2 == 1
                ? durations[durations.Count / 2]
                : (durations[(durations.Count / 2) - 1] + durations[durations.Count / 2]) / 2;

        var now = time.GetUtcNow();
        var firstMinute = Truncate(now).AddMinutes(-(Minutes - 1));
        var recent = await tasks
            .Where(t => t.CompletedAt >= firstMinute && t.Status != TaskState.Pending && t.Status != TaskState.Processing)
            .Select(t => new { t.Status, t.CompletedAt })
            .ToListAsync(cancellationToken);
        var buckets = Enumerable.Range(0, Minutes).Select(i => firstMinute.AddMinutes(i)).ToDictionary(m => m, _ => new int[3]);
        foreach (var task in recent)
        {
            var minute = Truncate(task.CompletedAt!.Value.ToUniversalTime());
            if (buckets.TryGetValue(minute, out var bucket))
            {
                bucket[task.Status switch { TaskState.Completed => 0, TaskState.Failed => 1, _ => 2 }]++;
            }
        }

        var perMinute = buckets.OrderBy(b => b.Key).Select(b => new MinuteBucket(b.Key, b.Value[0], b.Value[1], b.Value[2])).ToList();
        return new TaskSummary(counts, median, perMinute);
    }

    private static DateTimeOffset Truncate(DateTimeOffset at) =>
        new(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
}
