using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Capabilities;

/// <summary>Per-user limits (section <c>Limits</c>).</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Task creations (and retries) per user per minute; 429 past it.</summary>
    public int TaskCreatesPerMinute { get; set; } = 600;

    /// <summary>Unfinished (pending or processing) tasks per user; 429 past it.</summary>
    public int MaxPendingTasksPerUser { get; set; } = 10_000;

    /// <summary>Concurrently open SSE streams per user; 429 past it.</summary>
    public int MaxEventStreamsPerUser { get; set; } = 20;
}

public static class TaskLimits
{
    /// <summary>The per-user creation rate limit; endpoints opt in with <see cref="TaskCreateRateLimitFilter"/>.</summary>
    public static IServiceCollection AddTaskRateLimits(this IServiceCollection services) =>
        services.AddSingleton<TaskCreateRateLimit>();

    /// <summary>429 problem+json with a Retry-After header (whole seconds, at least 1).</summary>
    public static ProblemHttpResult TooManyRequests(HttpContext context, TimeSpan retryAfter, string title, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: title,
            detail: detail,
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}

/// <summary>
/// The cap on a user's unfinished tasks. The count comes from the database at most once a second per
/// user and is raised locally by each accepted create in between, so the check costs no query per request.
/// Only a user's very first check waits for the count; later refreshes run beside the requests, which
/// meanwhile go on with the count they have (a refresh of a user with hundreds of thousands of tasks
/// used to hold every one of that user's creates for its whole duration).
/// </summary>
public sealed class PendingTaskQuota(IDbContextFactory<TasksDbContext> dbFactory, IOptions<LimitOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True (and counted) when the user may add one more unfinished task.</summary>
    public async Task<bool> TryReserveAsync(string userId, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(userId, _ => new Entry());
        Task? firstLoad = null;
        lock (entry.Gate)
        {
            if (entry.Refreshing is null && (!entry.Loaded || time.GetElapsedTime(entry.LoadedAt) >= Refresh))
            {
                var reservedAtStart = entry.Reserved;
                entry.Refreshing = Task.Run(() => RefreshAsync(entry, userId, reservedAtStart), CancellationToken.None);
            }

            if (!entry.Loaded)
            {
                firstLoad = entry.Refreshing;
            }
        }

        if (firstLoad is not null)
        {
            await firstLoad.WaitAsync(cancellationToken);
        }

        lock (entry.Gate)
        {
            if (entry.Count >= options.Value.MaxPendingTasksPerUser)
            {
                return false;
            }

            entry.Count++;
            entry.Reserved++;
            return true;
        }
    }

    private async Task RefreshAsync(Entry entry, string userId, long reservedAtStart)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var count = await db.Tasks.CountAsync(
                t => (t.Status == TaskState.Pending || t.Status == TaskState.Processing) && t.OwnerId == userId);
            lock (entry.Gate)
            {
                // Creates accepted while the count ran may or may not be in it: counting them again errs
                // on the side of the cap, and the next refresh corrects it.
                entry.Count = count + (int)(entry.Reserved - reservedAtStart);
                entry.LoadedAt = time.GetTimestamp();
                entry.Loaded = true;
            }
        }
        catch (Exception) when (entry.Loaded)
        {
            // A later refresh that fails keeps the count it had; the next check tries again.
        }
        finally
        {
            lock (entry.Gate)
            {
                entry.Refreshing = null;
            }
        }
    }

    private sealed class Entry
    {
        public Lock Gate { get; } = new();

        public Task? Refreshing { get; set; }

        public bool Loaded { get; set; }

        public long LoadedAt { get; set; }

        public int Count { get; set; }

        /// <summary>Every reservation ever made, to tell which happened while a refresh ran.</summary>
        public long Reserved { get; set; }
    }
}

/// <summary>Counts each user's open SSE streams; a stream holds its slot until it ends.</summary>
public sealed class EventStreamTracker(IOptions<LimitOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int OpenStreams(string userId) => _open.TryGetValue(userId, out var count) ? count : 0;

    public IDisposable? TryAcquire(string userId)
    {
        var max = options.Value.MaxEventStreamsPerUser;
        while (true)
        {
            var current = _open.GetOrAdd(userId, 0);
            if (current >= max)
            {
                return null;
            }

            if (_open.TryUpdate(userId, current + 1, current))
            {
                return new Slot(this, userId);
            }
        }
    }

    private void Release(string userId) => _open.AddOrUpdate(userId, 0, (_, count) => Math.Max(0, count - 1));

    private sealed class Slot(EventStreamTracker tracker, string userId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                tracker.Release(userId);
            }
        }
    }
}

/// <summary>
/// Holds an SSE slot for the whole stream: the slot is registered for disposal with the response, so it
/// is released only when the stream (the response) has ended. The filter itself returns at once: an
/// open stream keeps no frame of it alive.
/// </summary>
public sealed class EventStreamLimitFilter(EventStreamTracker tracker, IOptions<LimitOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var userId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return next(context);
        }

        var slot = tracker.TryAcquire(userId);
        if (slot is null)
        {
            return ValueTask.FromResult<object?>(TaskLimits.TooManyRequests(
                http,
                TimeSpan.FromSeconds(5),
                "Too many event streams",
                $"You may have at most {options.Value.MaxEventStreamsPerUser} event streams open at once; close one first."));
        }

        http.Response.RegisterForDispose(slot);
        return next(context);
    }
}
