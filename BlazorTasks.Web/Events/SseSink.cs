using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Web.Events;

/// <summary>
/// One event stream as a sink of the hub. While the stream is <em>live</em> (caught up, nothing to
/// await), the hub's partition thread writes each matching event — its frame encoded once per event and
/// shared by every stream — and each heartbeat straight into the response and flushes it, so no loop is
/// woken per stream per event. The stream's own loop (<see cref="RunAsync"/>) runs only when something
/// needs it: a flush that did not complete at once (a slow client), events that arrived meanwhile, a
/// buffer that overflowed, the end of a task's stream, or the client leaving.
/// </summary>
/// <remarks>
/// Whoever writes holds <c>_gate</c>, or is the loop while the stream is not live: the response is
/// never written by two threads at once, and never after <see cref="RunAsync"/> returned.
/// </remarks>
internal sealed class SseSink(EventFilter filter, PipeWriter body, bool endAfterTerminal, long lastId, int bufferSize)
    : EventSink(filter), IValueTaskSource
{
    private static readonly Func<TaskEvent, byte[]> Encode = SseWriter.EncodeEvent;

    private readonly Lock _gate = new();
    private Queue<TaskEvent>? _pending;
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private Task<FlushResult>? _flushing;
    private long _lastId = lastId;
    private bool _live;
    private bool _closed;
    private bool _ended;
    private bool _overflowed;

    /// <summary>Why a stream stopped.</summary>
    public enum End
    {
        /// <summary>The client went away or the response failed.</summary>
        Closed,

        /// <summary>The task's terminal event was written.</summary>
        Ended,

        /// <summary>Too many events arrived while the stream could not take them: catch up from the log.</summary>
        Overflowed,
    }

    /// <summary>The id of the last event written to the response.</summary>
    public long LastId
    {
        get
        {
            lock (_gate)
            {
                return _lastId;
            }
        }
    }

    /// <summary>The log was written up to <paramref name="lastId"/> (the stream is not live yet, so only its loop writes).</summary>
    public void CaughtUp(long lastId)
    {
        lock (_gate)
        {
            _lastId = lastId;
        }
    }

    /// <summary>
    /// Writes what arrived while the stream was catching up, then lets the hub write while the stream is
    /// idle, and takes over again whenever that needs awaiting, until the stream ends.
    /// </summary>
    public async Task<End> RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((SseSink)state!).Close(), this);
        while (true)
        {
            ValueTask wait = default;
            Task<FlushResult>? flushing;
            TaskEvent[]? backlog = null;
            lock (_gate)
            {
                if (_closed)
                {
                    return End.Closed;
                }

                flushing = _flushing;
                _flushing = null;
                if (flushing is null)
                {
                    if (_ended)
                    {
                        return End.Ended;
                    }

                    if (_overflowed)
                    {
                        return End.Overflowed;
                    }

                    if (_pending is { Count: > 0 })
                    {
                        backlog = [.. _pending];
                        _pending.Clear();
                    }
                    else
                    {
                        // One reusable wait per stream: woken by the hub's partition or by Close.
                        _wake.Reset();
                        wait = new ValueTask(this, _wake.Version);
                        _waiting = true;
                        _live = true;
                    }
                }
            }

            try
            {
                if (flushing is not null)
                {
                    Completed(await flushing);
                }
                else if (backlog is not null)
                {
                    await WriteBacklogAsync(backlog);
                }
                else
                {
                    await wait;
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
            {
                Close();
            }
        }
    }

    /// <summary>Stops every further write (the client left, or the stream is done).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Wake();
        }
    }

    protected override void OnEvents(EventBatch batch)
    {
        lock (_gate)
        {
            if (_closed || _ended || _overflowed)
            {
                return;
            }

            var events = batch.Events;
            var wrote = false;
            for (var i = 0; i < events.Count; i++)
            {
                var taskEvent = events[i];
                if (!Filter.Matches(taskEvent))
                {
                    continue;
                }

                if (!_live)
                {
                    // The loop is writing or awaiting a flush: it takes these next, unless there are too many.
                    _pending ??= new Queue<TaskEvent>();
                    _pending.Enqueue(taskEvent);
                    if (_pending.Count > bufferSize)
                    {
                        _overflowed = true;
                        _pending = null;
                        Wake();
                        return;
                    }

                    continue;
                }

                if (taskEvent.Id <= _lastId)
                {
                    continue;
                }

                if (!TryWrite(batch.Shared(i, Encode)))
                {
                    return;
                }

                _lastId = taskEvent.Id;
                wrote = true;
                if (endAfterTerminal && taskEvent.Data.Status.IsTerminal())
                {
                    _ended = true;
                    break;
                }
            }

            if (wrote)
            {
                Flush();
            }

            if (_ended)
            {
                Wake();
            }
        }
    }

    protected override void OnHeartbeat()
    {
        lock (_gate)
        {
            // A stream that is not live is being written by its loop already.
            if (_live && TryWrite(SseWriter.Ping))
            {
                Flush();
            }
        }
    }

    private async Task WriteBacklogAsync(TaskEvent[] backlog)
    {
        var wrote = false;
        var ended = false;
        foreach (var taskEvent in backlog)
        {
            if (taskEvent.Id <= _lastId)
            {
                continue; // Already written from the log.
            }

            body.Write(Encode(taskEvent));
            wrote = true;
            lock (_gate)
            {
                _lastId = taskEvent.Id;
            }

            if (endAfterTerminal && taskEvent.Data.Status.IsTerminal())
            {
                ended = true;
                break;
            }
        }

        if (wrote)
        {
            Completed(await body.FlushAsync());
        }

        if (ended)
        {
            lock (_gate)
            {
                _ended = true;
            }
        }
    }

    /// <summary>Caller holds <c>_gate</c> and the stream is live.</summary>
    private bool TryWrite(ReadOnlySpan<byte> frame)
    {
        try
        {
            body.Write(frame);
            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException or IOException)
        {
            _closed = true;
            Wake();
            return false;
        }
    }

    /// <summary>Caller holds <c>_gate</c>: flushes at once, or hands the pending flush to the loop.</summary>
    private void Flush()
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = body.FlushAsync();
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException or IOException)
        {
            _closed = true;
            Wake();
            return;
        }

        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            if (result.IsCompleted || result.IsCanceled)
            {
                _closed = true;
                Wake();
            }

            return;
        }

        _flushing = flush.AsTask();
        Wake();
    }

    private void Completed(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            Close();
        }
    }

    /// <summary>Caller holds <c>_gate</c>: hands the stream back to its loop.</summary>
    private void Wake()
    {
        _live = false;
        if (_waiting)
        {
            _waiting = false;
            _wake.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}
