using BlazorTasks.Core.Events;
using BlazorTasks.Core.Processing;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Events;

/// <summary>
/// One timer for the heartbeats of every event stream: each tick asks the hub to hand a heartbeat to
/// every attached stream, in order with the events, and idle streams write their <c>: ping</c>. A timer
/// per stream per wait (a <c>Task.Delay</c> that stays queued for the whole interval even after an event
/// won the race) cost a timer-queue entry per subscriber per event, which is what thousands of streams
/// and a busy hub pay for.
/// </summary>
public sealed class HeartbeatClock : IDisposable
{
    private readonly ITimer _timer;

    public HeartbeatClock(TaskEventHub hub, IOptions<EventOptions> options, TimeProvider time)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.05, options.Value.HeartbeatSeconds));
        _timer = time.CreateTimer(static state => ((TaskEventHub)state!).Heartbeat(), hub, period, period);
    }

    public void Dispose() => _timer.Dispose();
}
