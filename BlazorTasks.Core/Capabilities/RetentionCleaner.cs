using BlazorTasks.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Capabilities;

/// <summary>
/// Deletes finished tasks older than <see cref="RetentionOptions.RetentionDays"/> with their artifact
/// files and callback attempts, and idempotency keys older than <see cref="RetentionOptions.IdempotencyKeyHours"/>.
/// </summary>
public sealed class RetentionCleaner(
    TaskWriter writer,
    IDbContextFactory<TasksDbContext> dbFactory,
    IOptions<RetentionOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<RetentionCleaner> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(0.01, options.Value.CleanupMinutes)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CleanAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogError(exception, "Retention clean-up failed; retrying at the next interval");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One clean-up pass; returns the number of tasks deleted.</summary>
    public async Task<int> CleanAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var keyCutoff = now.AddHours(-Math.Max(24, options.Value.IdempotencyKeyHours)).ToUnixTimeMilliseconds();
        await writer.RunAsync(context =>
        {
            var keys = context.Command("DELETE FROM IdempotencyKeys WHERE CreatedAt < @cutoff");
            keys.Parameters.AddWithValue("@cutoff", keyCutoff);
            keys.ExecuteNonQuery();
        }, cancellationToken);

        var taskCutoff = now.AddDays(-options.Value.RetentionDays);
        var deleted = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var old = await db.Tasks.AsNoTracking()
                .Where(t => t.CompletedAt != null && t.CompletedAt <= taskCutoff)
                .OrderBy(t => t.CompletedAt)
                .Select(t => new { t.Id, t.ArtifactPath })
                .Take(Batch)
                .ToListAsync(cancellationToken);
            if (old.Count == 0)
            {
                break;
            }

            var ids = old.Select(t => t.Id).ToList();
            await writer.RunAsync(context =>
            {
                foreach (var id in ids)
                {
                    var attempts = context.Command("DELETE FROM CallbackAttempts WHERE TaskId = @id");
                    attempts.Parameters.AddWithValue("@id", id);
                    attempts.ExecuteNonQuery();
                    var task = context.Command("DELETE FROM Tasks WHERE Id = @id AND CompletedAt IS NOT NULL");
                    task.Parameters.AddWithValue("@id", id);
                    task.ExecuteNonQuery();
                }
            }, cancellationToken);

            foreach (var path in old.Select(t => t.ArtifactPath).OfType<string>())
            {
                if (Artifacts.FullPath(storage.Value, path) is { } full)
                {
                    File.Delete(full);
                }
            }

            deleted += old.Count;
            if (old.Count < Batch)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            logger.LogInformation("Removed {Count} finished tasks older than {Days} days, with their artifacts", deleted, options.Value.RetentionDays);
        }

        return deleted;
    }
}
