using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Capabilities;

/// <summary>
/// Task creations per user per minute (<see cref="LimitOptions.TaskCreatesPerMinute"/>), counted in a
/// fixed one-minute window that starts at the user's first creation. The window is worked out on each
/// request, so nothing runs between requests: the framework's partitioned rate limiter wakes every
/// 100 ms to replenish its partitions, which made up most of an idle server's thread wake-ups.
/// </summary>
public sealed class TaskCreateRateLimit(IOptions<LimitOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private int _calls;

    /// <summary>Counts one creation for <paramref name="partition"/>: null when allowed, else the time until its window ends.</summary>
    public TimeSpan? TryAcquire(string partition)
    {
        var now = time.GetUtcNow();
        if ((Interlocked.Increment(ref _calls) & 1023) == 0)
        {
            RemoveIdle(now);
        }

        var counter = _counters.GetOrAdd(partition, static _ => new Counter());
        lock (counter)
        {
            if (now >= counter.WindowEnd)
            {
                counter.WindowEnd = now + Window;
                counter.Count = 0;
            }

            if (counter.Count >= Math.Max(1, options.Value.TaskCreatesPerMinute))
            {
                return counter.WindowEnd - now;
            }

            counter.Count++;
            return null;
        }
    }

    /// <summary>Forgets users whose window ended a minute ago or more, so the table holds active users only.</summary>
    private void RemoveIdle(DateTimeOffset now)
    {
        foreach (var (partition, counter) in _counters)
        {
            if (now - counter.WindowEnd >= Window)
            {
                _counters.TryRemove(KeyValuePair.Create(partition, counter));
            }
        }
    }

    private sealed class Counter
    {
        public DateTimeOffset WindowEnd { get; set; }

        public int Count { get; set; }
    }
}

/// <summary>Applies <see cref="TaskCreateRateLimit"/> to an endpoint: 429 problem+json with Retry-After past it.</summary>
public sealed class TaskCreateRateLimitFilter(TaskCreateRateLimit limit, IOptions<LimitOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var partition = http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "ip:" + http.Connection.RemoteIpAddress;
        if (limit.TryAcquire(partition) is { } retryAfter)
        {
            return ValueTask.FromResult<object?>(TaskLimits.TooManyRequests(
                http,
                retryAfter,
                "Too many task creations",
                $"You may create at most {options.Value.TaskCreatesPerMinute} tasks per minute."));
        }

        return next(context);
    }
}
