using System.Text.Json;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Processing;

/// <summary>
/// Runs tasks: <see cref="TaskOptions.Workers"/> slots take ids from the <see cref="TaskQueue"/>, claim
/// the task (pending → processing, conditional), run its handler in a fresh DI scope with progress,
/// cancellation and a timeout, and hand the outcome to the one completion path.
/// </summary>
public sealed class TaskWorker(
    TaskQueue queue,
    TaskWriter writer,
    RunningTasks running,
    TaskHandlerRegistry registry,
    IServiceScopeFactory scopeFactory,
    IOptions<TaskOptions> options,
    TimeProvider time,
    ILogger<TaskWorker> logger) : BackgroundService
{
    private readonly TaskOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(_ => RunSlotAsync(stoppingToken)));

    private async Task RunSlotAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await foreach (var taskId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ProcessAsync(taskId, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    // The task stays in the database; its lease will expire and the sweeper retries it.
                    logger.LogError(exception, "Processing task {TaskId} failed unexpectedly", taskId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task ProcessAsync(Guid taskId, CancellationToken stoppingToken)
    {
        var lease = TimeSpan.FromSeconds(_options.LeaseSeconds);
        var task = await writer.RunAsync(context => TaskStore.TryClaim(context, taskId, running.LeaseOwner, lease), CancellationToken.None);
        if (task is null)
        {
            return; // Someone else has it, it is not due yet, or it already ended.
        }

        if (!registry.TryGet(task.Type, out var registered))
        {
            await ApplyAsync(TaskOutcome.Failed(task.Id, $"No handler is registered for task type '{task.Type}'."));
            return;
        }

        // Each run gets its own DI scope and its own handler instance.
        await using var scope = scopeFactory.CreateAsyncScope();
        var handler = (ITaskHandler)scope.ServiceProvider.GetRequiredService(registered.GetType());

        var timeout = _options.TimeoutFor(task.Type);
        using var cancelRequested = new CancellationTokenSource();
        using var timedOut = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, cancelRequested.Token, timedOut.Token);
        running.Add(task.Id, cancelRequested);
        try
        {
            using var payload = JsonDocument.Parse(task.PayloadJson);
            var context = new TaskRunContext
            {
                TaskId = task.Id,
                OwnerId = task.OwnerId,
                Type = task.Type,
                Payload = payload.RootElement,
                Attempt = task.Attempt,
                Progress = new ThrottledProgress(writer, task.Id, TimeSpan.FromMilliseconds(_options.ProgressIntervalMs), time),
                Task = task,
            };

            TaskHandlerResult result;
            try
            {
                result = await handler.RunAsync(context, linked.Token);
            }
            catch (OperationCanceledException) when (cancelRequested.IsCancellationRequested)
            {
                await ApplyAsync(TaskOutcome.Canceled(task.Id));
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await ReleaseAsync(task);
                return;
            }
            catch (OperationCanceledException) when (timedOut.IsCancellationRequested)
            {
                await RetryOrFailAsync(task, $"The handler did not finish within its timeout of {timeout.TotalSeconds:0.###} s.");
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Task {TaskId} attempt {Attempt} failed", task.Id, task.Attempt);
                await RetryOrFailAsync(task, exception.Message);
                return;
            }

            switch (result)
            {
                case TaskHandlerResult.Completed completed:
                    await ApplyAsync(TaskOutcome.Completed(task.Id, completed.ResultJson));
                    break;
                case TaskHandlerResult.Failed failed:
                    await ApplyAsync(TaskOutcome.Failed(task.Id, failed.Error));
                    break;
                case TaskHandlerResult.AwaitingCallback waiting:
                    var deadline = time.GetUtcNow() + waiting.Timeout;
                    await writer.RunAsync(c => TaskStore.AwaitCallback(c, task.Id, running.LeaseOwner, deadline), CancellationToken.None);
                    break;
                case TaskHandlerResult.ReportedElsewhere:
                    break;
            }
        }
        finally
        {
            running.Remove(task.Id);
        }

        Task ApplyAsync(TaskOutcome outcome) =>
            writer.RunAsync(c => TaskStore.Apply(c, outcome with { LeaseOwner = running.LeaseOwner }), CancellationToken.None);
    }

    private async Task RetryOrFailAsync(TaskRecord task, string error)
    {
        var delay = _options.RetryDelay(task.Attempt);
        var state = await writer.RunAsync(c => TaskStore.RetryOrFail(c, task, error, c.Now + delay), CancellationToken.None);
        if (state == TaskState.Pending)
        {
            logger.LogInformation("Task {TaskId} will retry in {Delay} (attempt {Attempt} of {MaxAttempts} failed)", task.Id, delay, task.Attempt, task.MaxAttempts);
            _ = EnqueueLaterAsync(task.Id, delay);
        }
    }

    /// <summary>Shutdown is not the task's fault: hand it back as pending, same attempt, for the next start.</summary>
    private Task ReleaseAsync(TaskRecord task) =>
        writer.RunAsync(c => TaskStore.Release(c, task.Id, running.LeaseOwner), CancellationToken.None);

    private async Task EnqueueLaterAsync(Guid taskId, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time);
            queue.Enqueue(taskId);
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Delayed wake-up of task {TaskId} dropped; the sweeper will find it", taskId);
        }
    }
}
