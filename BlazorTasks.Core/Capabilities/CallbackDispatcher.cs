using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Capabilities;

/// <summary>
/// Delivers a task's terminal state to its <c>callbackUrl</c>: the task object, signed per Standard
/// Webhooks with <see cref="WebhookOptions.CallbackSecret"/>. Deliveries are due when
/// <c>CallbackStatus = 'pending'</c> and <c>CallbackNextAttemptAt &lt;= now</c> (set by the completion
/// path); they are found on terminal events from the hub and on a periodic timer, retried with
/// exponential backoff and jitter on a non-2xx answer, an error or a timeout, and every attempt is
/// recorded. Redirects are not followed; refused targets (see <see cref="CallbackTargetPolicy"/>) fail.
/// </summary>
public sealed class CallbackDispatcher(
    TaskEventHub hub,
    TaskWriter writer,
    IDbContextFactory<TasksDbContext> dbFactory,
    IHttpClientFactory httpClientFactory,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<CallbackDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "task-callbacks";
    private const int BatchSize = 100;
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(50);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, byte> _delivering = new();
    private readonly SemaphoreSlim _concurrency = new(16);
    private readonly Lock _wakeGate = new();
    private DateTimeOffset? _nextWake;

    /// <summary>Asks for a look at due deliveries now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var listener = hub.Listen(
            EventFilter.All,
            taskEvent =>
            {
                if (taskEvent.Name == TaskEventNames.Completed)
                {
                    Wake();
                }

                return Task.CompletedTask;
            },
            () =>
            {
                Wake();
                return Task.CompletedTask;
            });
        _ = TickAsync(stoppingToken);
        Wake();

        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                try
                {
                    await DispatchDueAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogError(exception, "Looking for due callback deliveries failed; retrying at the next interval");
                }

                // Under a stream of terminal events, look at most every 50 ms (real time).
                await Task.Delay(ScanInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.05, options.Value.CallbackPollSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Wake();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DispatchDueAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
        var due = await db.Tasks.AsNoTracking()
            .Where(t => t.CallbackStatus == CallbackStatuses.Pending && t.CallbackNextAttemptAt <= now)
            .OrderBy(t => t.CallbackNextAttemptAt)
            .Take(BatchSize)
            .ToListAsync(stoppingToken);
        foreach (var task in due)
        {
            if (!_delivering.TryAdd(task.Id, 0))
            {
                continue;
            }

            await _concurrency.WaitAsync(stoppingToken);
            _ = DeliverGuardedAsync(task, stoppingToken);
        }

        if (due.Count == BatchSize)
        {
            Wake(); // More are due: look again after this batch instead of at the next interval.
        }
        else
        {
            // Deliveries that fall due later (retries recorded before a restart) get a wake-up at that
            // moment, so the periodic scan is only a safety net and an idle server stays quiet.
            var next = await db.Tasks.AsNoTracking()
                .Where(t => t.CallbackStatus == CallbackStatuses.Pending && t.CallbackNextAttemptAt > now)
                .OrderBy(t => t.CallbackNextAttemptAt)
                .Select(t => t.CallbackNextAttemptAt)
                .FirstOrDefaultAsync(stoppingToken);
            if (next is { } dueAt)
            {
                ScheduleWake(dueAt, stoppingToken);
            }
        }
    }

    private async Task DeliverGuardedAsync(TaskRecord task, CancellationToken stoppingToken)
    {
        try
        {
            await DeliverAsync(task, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Delivering the callback of task {TaskId} failed unexpectedly", task.Id);
        }
        finally
        {
            _delivering.TryRemove(task.Id, out _);
            _concurrency.Release();
        }
    }

    /// <summary>One delivery attempt of <paramref name="task"/>'s callback, recorded with its outcome.</summary>
    internal async Task DeliverAsync(TaskRecord task, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var attemptNumber = task.CallbackAttempts + 1;
        var body = JsonSerializer.SerializeToUtf8Bytes(task.AsView(), TaskJson.Options);
        var signer = new StandardWebhook(settings.CallbackSecret);
        var at = time.GetUtcNow();

        using var request = new HttpRequestMessage(HttpMethod.Post, task.CallbackUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in signer.CreateHeaders($"msg_{task.Id:N}", at, body))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        int? statusCode = null;
        string? error = null;
        var refused = false;
        var started = Stopwatch.GetTimestamp();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(0.1, settings.CallbackTimeoutSeconds)));
            try
            {
                using var http = httpClientFactory.CreateClient(HttpClientName);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                statusCode = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    error = statusCode is >= 300 and < 400
                        ? $"Answered {statusCode} (a redirect; redirects are not followed)."
                        : $"Answered {statusCode}.";
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                error = $"No answer within {settings.CallbackTimeoutSeconds:0.###} s.";
            }
            catch (HttpRequestException exception) when (FindRefusal(exception) is { } refusal)
            {
                refused = true;
                error = refusal.Message;
            }
            catch (HttpRequestException exception)
            {
                error = exception.Message;
            }
        }

        var duration = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var succeeded = error is null;
        string status;
        DateTimeOffset? next = null;
        if (succeeded)
        {
            status = CallbackStatuses.Delivered;
        }
        else if (refused || attemptNumber >= settings.CallbackMaxAttempts)
        {
            status = CallbackStatuses.Failed;
        }
        else
        {
            status = CallbackStatuses.Pending;
            next = time.GetUtcNow() + RetryDelay(attemptNumber, settings.CallbackRetryBaseSeconds);
        }

        var attempt = new CallbackAttempt
        {
            TaskId = task.Id,
            Attempt = attemptNumber,
            At = at,
            StatusCode = statusCode,
            Error = error,
            Succeeded = succeeded,
            DurationMs = Math.Round(duration, 1),
        };
        await writer.RunAsync(context => CallbackStore.RecordAttempt(context, attempt, status, next), CancellationToken.None);
        if (succeeded)
        {
            logger.LogInformation("Delivered the callback of task {TaskId} (attempt {Attempt}, {StatusCode})", task.Id, attemptNumber, statusCode);
        }
        else
        {
            logger.LogWarning("Callback of task {TaskId} attempt {Attempt} failed: {Error}; {Outcome}", task.Id, attemptNumber, error, next is null ? "giving up" : $"retrying at {next:O}");
        }

        if (next is { } retryAt)
        {
            ScheduleWake(retryAt, stoppingToken);
        }
    }

    /// <summary>Exponential backoff with jitter: base × 2^(n−1), each delay between 75 % and 125 % of that, at most an hour.</summary>
    public static TimeSpan RetryDelay(int failedAttempt, double baseSeconds)
    {
        var ceiling = Math.Min(3600, baseSeconds * Math.Pow(2, Math.Max(0, failedAttempt - 1)));
        return TimeSpan.FromSeconds(ceiling * (0.75 + Random.Shared.NextDouble() * 0.5));
    }

    /// <summary>Wakes the dispatcher at <paramref name="at"/>, unless an earlier wake-up is already set.</summary>
    private void ScheduleWake(DateTimeOffset at, CancellationToken stoppingToken)
    {
        lock (_wakeGate)
        {
            if (_nextWake is { } scheduled && scheduled <= at && scheduled > time.GetUtcNow())
            {
                return;
            }

            _nextWake = at;
        }

        _ = WakeAtAsync(at, stoppingToken);
    }

    private async Task WakeAtAsync(DateTimeOffset at, CancellationToken stoppingToken)
    {
        try
        {
            var delay = at - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, stoppingToken);
            }

            lock (_wakeGate)
            {
                if (_nextWake == at)
                {
                    _nextWake = null;
                }
            }

            Wake();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static CallbackTargetRefusedException? FindRefusal(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is CallbackTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
