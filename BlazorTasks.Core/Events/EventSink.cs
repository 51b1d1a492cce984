namespace BlazorTasks.Core.Events;

/// <summary>
/// A subscriber that the hub calls directly instead of buffering for it: an event stream writes each
/// batch straight into its response, so no loop has to be woken per subscriber per event. The hub calls
/// <see cref="OnEvents"/> and <see cref="OnHeartbeat"/> for one sink in commit order and never
/// concurrently, on a thread-pool thread of the sink's partition (never on the committing writer), and
/// only after <see cref="TaskEventHub.Attach"/> returned; a call may still arrive just after
/// <see cref="TaskEventHub.Detach"/>, which the sink must ignore. The calls must not block.
/// </summary>
public abstract class EventSink(EventFilter filter)
{
    public EventFilter Filter { get; } = filter;

    /// <summary>The hub's bookkeeping: which partition delivers to this sink and where it sits in it.</summary>
    internal SinkPartition? Partition { get; set; }

    internal int Slot { get; set; } = -1;

    /// <summary>Which slice of the heartbeat period this sink's heartbeat falls in (see <see cref="TaskEventHub.Heartbeat(int)"/>).</summary>
    internal int Phase { get; set; }

    /// <summary>One committed batch, in id order; the sink picks the events matching its filter.</summary>
    protected abstract void OnEvents(EventBatch batch);

    /// <summary>A tick of the shared heartbeat (<see cref="TaskEventHub.Heartbeat"/>).</summary>
    protected abstract void OnHeartbeat();

    internal void Deliver(EventBatch batch) => OnEvents(batch);

    internal void Beat() => OnHeartbeat();
}

/// <summary>
/// A committed batch as sinks see it, with a per-event slot for a representation that every sink
/// shares (an event stream's encoded frame is built once per event, not once per subscriber).
/// </summary>
public sealed class EventBatch
{
    private readonly object?[] _shared;

    internal EventBatch(TaskEvent[] events)
    {
        Events = events;
        _shared = new object?[events.Length];
    }

    public IReadOnlyList<TaskEvent> Events { get; }

    /// <summary>The value <paramref name="create"/> makes for the event at <paramref name="index"/>, made once per batch.</summary>
    public T Shared<T>(int index, Func<TaskEvent, T> create)
        where T : class
    {
        if (Volatile.Read(ref _shared[index]) is T made)
        {
            return made;
        }

        var value = create(Events[index]);
        return Interlocked.CompareExchange(ref _shared[index], value, null) as T ?? value;
    }
}

/// <summary>
/// A share of the hub's sinks with its own ordered work queue, drained by at most one thread-pool
/// thread at a time: batches and heartbeats reach each sink in order, and the partitions of a batch
/// are delivered in parallel on as many cores as there are partitions.
/// </summary>
internal sealed class SinkPartition : IThreadPoolWorkItem
{
    /// <summary>Heartbeat work items: one per slice of the period, and one for every sink.</summary>
    internal static readonly HeartbeatItem[] Heartbeats = [.. Enumerable.Range(0, TaskEventHub.HeartbeatSlices).Select(i => new HeartbeatItem(i))];

    internal static readonly HeartbeatItem EveryHeartbeat = new(-1);

    private readonly Lock _gate = new();
    private readonly List<EventSink> _sinks = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<object> _work = new();
    private EventSink[] _snapshot = [];
    private bool _changed;
    private int _scheduled;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(EventSink sink)
    {
        lock (_gate)
        {
            sink.Partition = this;
            sink.Slot = _sinks.Count;
            _sinks.Add(sink);
            _changed = true;
            _count = _sinks.Count;
        }
    }

    public void Remove(EventSink sink)
    {
        lock (_gate)
        {
            if (sink.Partition != this || sink.Slot < 0)
            {
                return;
            }

            // Swap with the last one: removing is O(1), and nothing is copied until the next delivery.
            var last = _sinks[^1];
            _sinks[sink.Slot] = last;
            last.Slot = sink.Slot;
            _sinks.RemoveAt(_sinks.Count - 1);
            sink.Slot = -1;
            sink.Partition = null;
            _changed = true;
            _count = _sinks.Count;
        }
    }

    /// <summary>Queues a batch (<see cref="EventBatch"/>) or a <see cref="HeartbeatItem"/> for the sinks of this partition.</summary>
    public void Post(object item)
    {
        _work.Enqueue(item);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public void Execute()
    {
        while (true)
        {
            while (_work.TryDequeue(out var item))
            {
                var batch = item as EventBatch;
                var slice = (item as HeartbeatItem)?.Slice ?? -1;
                foreach (var sink in Snapshot())
                {
                    try
                    {
                        if (batch is not null)
                        {
                            sink.Deliver(batch);
                        }
                        else if (slice < 0 || sink.Phase == slice)
                        {
                            sink.Beat();
                        }
                    }
                    catch (Exception)
                    {
                        // A sink handles its own failures; one that throws anyway must not cost the others their events.
                    }
                }
            }

            Volatile.Write(ref _scheduled, 0);
            if (_work.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) != 0)
            {
                return;
            }
        }
    }

    /// <summary>The sinks as of now; copied only when they changed since the last delivery.</summary>
    private EventSink[] Snapshot()
    {
        lock (_gate)
        {
            if (_changed)
            {
                _snapshot = [.. _sinks];
                _changed = false;
            }

            return _snapshot;
        }
    }
}

/// <summary>A heartbeat for the sinks in one slice of the period (<see cref="Slice"/> -1: every sink).</summary>
internal sealed record HeartbeatItem(int Slice);
