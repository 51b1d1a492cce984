using BlazorTasks.Core.Processing;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Events;

/// <summary>
/// One timer for the heartbeats of every event stream: each tick completes the task that idle streams
/// wait on, and they write their <c>: ping</c>. A timer per stream per wait (a <c>Task.Delay</c> that
/// stays queued for the whole interval even after an event won the race) cost a timer-queue entry per
/// subscriber per event, which is what thousands of streams and a busy hub pay for.
/// </summary>
public sealed class HeartbeatClock : IDisposable
{
    private readonly ITimer _timer;
    private TaskCompletionSource _beat = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HeartbeatClock(IOptions<EventOptions> options, TimeProvider time)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.05, options.Value.HeartbeatSeconds));
        _timer = time.CreateTimer(_ => Tick(), null, period, period);
    }

    /// <summary>Completes at the next heartbeat.</summary>
    public Task NextBeat => Volatile.Read(ref _beat).Task;

    private void Tick() =>
        Interlocked.Exchange(ref _beat, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Dispose() => _timer.Dispose();
}
