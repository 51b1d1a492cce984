namespace BlazorTasks.Core.Processing;

public sealed class TaskOptions
{
    public const string Section = "Tasks";

    /// <summary>
    /// Concurrent task slots in this process. A slot waiting on its handler or on the writer costs
    /// almost nothing, and more slots put more claims and completions into each write batch: with 64
    /// instead of 8 on two cores, no-op tasks were processed twice as fast at a quarter less CPU each.
    /// </summary>
    public int Workers { get; set; } = Math.Max(64, Environment.ProcessorCount * 16);

    /// <summary>Capacity of the in-memory wake-up channel; past it, pending tasks are found by the sweeper.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>How long a worker's claim lasts without renewal; a dead worker's tasks come back after it.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often expired leases, callback deadlines and stray pending tasks are looked for.</summary>
    public double SweepSeconds { get; set; } = 5;

    /// <summary>First retry delay after a failed attempt; doubles each attempt, with jitter.</summary>
    public double RetryBaseSeconds { get; set; } = 2;

    public double RetryMaxSeconds { get; set; } = 300;

    /// <summary>Smallest interval between two stored progress reports of one task.</summary>
    public int ProgressIntervalMs { get; set; } = 250;

    /// <summary>Defaults for every type; <see cref="Types"/> overrides them per type name.</summary>
    public int MaxAttempts { get; set; } = 3;

    public double TimeoutSeconds { get; set; } = 600;

    public Dictionary<string, TaskTypeOptions> Types { get; set; } = new(StringComparer.Ordinal);

    public int MaxAttemptsFor(string type) =>
        Types.TryGetValue(type, out var options) && options.MaxAttempts is { } max ? max : MaxAttempts;

    public TimeSpan TimeoutFor(string type) =>
        TimeSpan.FromSeconds(Types.TryGetValue(type, out var options) && options.TimeoutSeconds is { } seconds ? seconds : TimeoutSeconds);

    /// <summary>Exponential backoff with full jitter: attempt 1 waits up to base, attempt 2 up to 2×base, …</summary>
    public TimeSpan RetryDelay(int failedAttempt)
    {
        var ceiling = Math.Min(RetryMaxSeconds, RetryBaseSeconds * Math.Pow(2, Math.Max(0, failedAttempt - 1)));
        return TimeSpan.FromSeconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}

public sealed class TaskTypeOptions
{
    public int? MaxAttempts { get; set; }

    public double? TimeoutSeconds { get; set; }
}

public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>SSE comment interval while idle.</summary>
    public double HeartbeatSeconds { get; set; } = 15;

    /// <summary>How long the event log is kept for <c>Last-Event-ID</c> resume.</summary>
    public double RetentionHours { get; set; } = 72;
}
