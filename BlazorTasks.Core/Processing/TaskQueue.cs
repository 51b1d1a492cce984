using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Processing;

/// <summary>
/// Wake-ups for workers: task ids only, never work itself. The database is the queue of record, so a
/// lost or duplicate wake-up is harmless: claiming is conditional, and the sweeper re-finds pending
/// tasks (including any that did not fit while the channel was full).
/// </summary>
public sealed class TaskQueue
{
    private readonly Channel<Guid> _channel;
    private int _overflowed;

    public TaskQueue(IOptions<TaskOptions> options)
    {
        _channel = Channel.CreateBounded<Guid>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
            SingleReader = false,
        });
    }

    public ChannelReader<Guid> Reader => _channel.Reader;

    /// <summary>True once a wake-up did not fit; the sweeper then reloads pending ids from the database.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    public void Enqueue(Guid taskId)
    {
        if (!_channel.Writer.TryWrite(taskId))
        {
            Volatile.Write(ref _overflowed, 1);
        }
    }

    internal bool ClearOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

    internal int Count => _channel.Reader.Count;
}
