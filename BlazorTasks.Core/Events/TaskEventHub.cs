using System.Threading.Channels;

namespace BlazorTasks.Core.Events;

/// <summary>
/// In-process fan-out of committed task events to Blazor circuits and SSE streams. Every subscriber
/// has its own bounded buffer: publishing never waits, so a slow subscriber cannot stall the writer or
/// anyone else. A subscriber whose buffer fills is cut off (<see cref="EventSubscription.Overflowed"/>)
/// and is expected to catch up from the event log, then subscribe again.
/// <para>
/// Event streams attach as <see cref="EventSink"/>s instead: they are split into one partition per core,
/// and each batch is handed to the partitions' own thread-pool work items, which call every sink in turn.
/// The committing writer only queues the batch, and no per-subscriber loop is woken.
/// </para>
/// </summary>
public sealed class TaskEventHub
{
    public const int DefaultBufferSize = 1024;

    /// <summary>
    /// How many slices the heartbeat period is cut into: each sink belongs to one, so a tick writes to a
    /// sixteenth of the streams rather than to all of them at once. Every write holds a pooled buffer
    /// until its socket send, so a heartbeat to every stream at the same instant makes the server's
    /// memory pool grow by a buffer per stream.
    /// </summary>
    public const int HeartbeatSlices = 16;

    private readonly Lock _gate = new();
    private readonly SinkPartition[] _partitions;
    private EventSubscription[] _subscribers = [];
    private int _nextPartition;
    private int _nextPhase;

    public TaskEventHub()
        : this(Environment.ProcessorCount)
    {
    }

    public TaskEventHub(int partitions)
    {
        _partitions = new SinkPartition[Math.Max(1, partitions)];
        for (var i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new SinkPartition();
        }
    }

    /// <summary>Buffered subscriptions plus attached sinks.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length + SinkCount;

    public int SinkCount => _partitions.Sum(p => p.Count);

    /// <summary>Starts delivering to <paramref name="sink"/>: every batch published after this returns reaches it.</summary>
    public void Attach(EventSink sink)
    {
        var partition = _partitions[(int)((uint)Interlocked.Increment(ref _nextPartition) % (uint)_partitions.Length)];
        sink.Phase = (int)((uint)Interlocked.Increment(ref _nextPhase) % HeartbeatSlices);
        partition.Add(sink);
    }

    /// <summary>Stops delivering to <paramref name="sink"/> (a delivery already under way may still reach it).</summary>
    public void Detach(EventSink sink) => sink.Partition?.Remove(sink);

    /// <summary>Calls <see cref="EventSink.OnHeartbeat"/> on every sink, in order with the batches.</summary>
    public void Heartbeat() => PostHeartbeat(SinkPartition.EveryHeartbeat);

    /// <summary>
    /// Calls <see cref="EventSink.OnHeartbeat"/> on the sinks of one slice of the heartbeat period
    /// (<paramref name="slice"/> modulo <see cref="HeartbeatSlices"/>): a clock that calls this with
    /// 0, 1, 2, … every period / <see cref="HeartbeatSlices"/> gives every sink one heartbeat per period.
    /// </summary>
    public void Heartbeat(int slice) => PostHeartbeat(SinkPartition.Heartbeats[(int)((uint)slice % HeartbeatSlices)]);

    private void PostHeartbeat(HeartbeatItem item)
    {
        foreach (var partition in _partitions)
        {
            if (partition.Count > 0)
            {
                partition.Post(item);
            }
        }
    }

    public EventSubscription Subscribe(EventFilter filter, int bufferSize = DefaultBufferSize)
    {
        var subscription = new EventSubscription(this, filter, bufferSize);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Delivers committed events, in id order, to every matching subscriber.</summary>
    public void Publish(IReadOnlyList<TaskEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            foreach (var taskEvent in events)
            {
                if (subscriber.Filter.Matches(taskEvent) && !subscriber.TryDeliver(taskEvent))
                {
                    break;
                }
            }
        }

        EventBatch? batch = null;
        foreach (var partition in _partitions)
        {
            if (partition.Count > 0)
            {
                // The caller may reuse its list once this returns; sinks are called later.
                batch ??= new EventBatch([.. events]);
                partition.Post(batch);
            }
        }
    }

    internal void Remove(EventSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => !ReferenceEquals(s, subscription));
        }
    }
}

/// <summary>A live feed of events matching a filter. Dispose it to unsubscribe.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly TaskEventHub _hub;
    private readonly Channel<TaskEvent> _channel;

    internal EventSubscription(TaskEventHub hub, EventFilter filter, int bufferSize)
    {
        _hub = hub;
        Filter = filter;
        _channel = Channel.CreateBounded<TaskEvent>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public EventFilter Filter { get; }

    /// <summary>True when this subscriber fell too far behind and was cut off; resume from the log.</summary>
    public bool Overflowed { get; private set; }

    public ChannelReader<TaskEvent> Reader => _channel.Reader;

    public IAsyncEnumerable<TaskEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken);

    internal bool TryDeliver(TaskEvent taskEvent)
    {
        if (_channel.Writer.TryWrite(taskEvent))
        {
            return true;
        }

        if (_channel.Writer.TryComplete())
        {
            Overflowed = true;
            _hub.Remove(this);
        }

        return false;
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _hub.Remove(this);
    }
}
