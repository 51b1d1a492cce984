using System.Threading.Channels;

namespace BlazorTasks.Core.Events;

/// <summary>
/// In-process fan-out of committed task events to Blazor circuits and SSE streams. Every subscriber
/// has its own bounded buffer: publishing never waits, so a slow subscriber cannot stall the writer or
/// anyone else. A subscriber whose buffer fills is cut off (<see cref="EventSubscription.Overflowed"/>)
/// and is expected to catch up from the event log, then subscribe again.
/// </summary>
public sealed class TaskEventHub
{
    public const int DefaultBufferSize = 1024;

    private readonly Lock _gate = new();
    private EventSubscription[] _subscribers = [];

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

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
