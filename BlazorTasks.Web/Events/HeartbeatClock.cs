using BlazorTasks.Core.Events;
using BlazorTasks.Core.Processing;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Events;

/// <summary>
/// One timer for the heartbeats of every event stream: each tick asks the hub to hand a heartbeat to
/// the streams of one slice of the period (<see cref="TaskEventHub.HeartbeatSlices"/>), in order with
/// the events, and idle streams write their <c>: ping</c>; every stream gets one per period, and not all
/// at the same instant. A timer
/// per stream per wait (a <c>Task.Delay</c> that stays queued for the whole interval even after an event
/// won the race) cost a timer-queue entry per subscriber per event, which is what thousands of streams
/// and a busy hub pay for.
/// </summary>
public sealed class HeartbeatClock : IDisposable
{
    private readonly ITimer _timer;
    private readonly TaskEventHub _hub;
    private int _tick;

    public HeartbeatClock(TaskEventHub hub, IOptions<EventOptions> options, TimeProvider time)
    {
        _hub = hub;
        var period = TimeSpan.FromSeconds(Math.Max(0.05, options.Value.HeartbeatSeconds));
        var tick = period / TaskEventHub.HeartbeatSlices;
        _timer = time.CreateTimer(static state => ((HeartbeatClock)state!).Tick(), this, tick, tick);
    }

    private void Tick() => _hub.Heartbeat(Interlocked.Increment(ref _tick));

    public void Dispose() => _timer.Dispose();
}
