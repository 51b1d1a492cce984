using System.IO.Pipelines;
using System.Text;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Web.Events;

namespace BlazorTasks.Tests.Events;

public sealed class EventSinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static TaskEvent Event(long id, string owner = "owner", TaskState status = TaskState.Processing, Guid? taskId = null)
    {
        var data = new TaskEventData(taskId ?? Guid.Empty, "simulated", status, null, 1, DateTimeOffset.UnixEpoch);
        return new TaskEvent(id, TaskEventNames.Processing, owner, $"{{\"n\":{id}}}", data);
    }

    /// <summary>Records what the hub hands it, and can hold its partition's thread inside a delivery.</summary>
    private sealed class RecordingSink(EventFilter filter) : EventSink(filter)
    {
        private readonly List<long> _ids = [];
        private readonly Lock _gate = new();

        public ManualResetEventSlim? HoldDelivery { get; init; }

        public int Heartbeats { get; private set; }

        public long[] Ids
        {
            get
            {
                lock (_gate)
                {
                    return [.. _ids];
                }
            }
        }

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (Ids.Length < count)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        public async Task WaitForEventAsync(long id)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (!Ids.Contains(id))
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        protected override void OnEvents(EventBatch batch)
        {
            HoldDelivery?.Wait(Timeout);
            lock (_gate)
            {
                _ids.AddRange(batch.Events.Where(Filter.Matches).Select(e => e.Id));
            }
        }

        protected override void OnHeartbeat()
        {
            lock (_gate)
            {
                Heartbeats++;
                _ids.Add(-1);
            }
        }
    }

    [Fact]
    public async Task EverySinkGetsEveryBatchInOrderEvenWhileItsPartitionIsBusy()
    {
        var hub = new TaskEventHub(partitions: 2);
        using var hold = new ManualResetEventSlim();
        var slow = new RecordingSink(EventFilter.All) { HoldDelivery = hold };
        var others = Enumerable.Range(0, 6).Select(_ => new RecordingSink(EventFilter.All)).ToList();
        hub.Attach(slow);
        others.ForEach(hub.Attach);

        // The caller's list is reused once Publish returns (the writer does that): sinks must not see it change.
        var reused = new List<TaskEvent>();
        for (var id = 1; id <= 50; id++)
        {
            reused.Clear();
            reused.Add(Event(id));
            hub.Publish(reused);
            if (id == 25)
            {
                hub.Heartbeat();
            }
        }

        hold.Set();
        var expected = Enumerable.Range(1, 25).Select(i => (long)i).Append(-1).Concat(Enumerable.Range(26, 25).Select(i => (long)i)).ToArray();
        foreach (var sink in others.Append(slow))
        {
            await sink.WaitForAsync(expected.Length);
            Assert.Equal(expected, sink.Ids);
        }
    }

    [Fact]
    public async Task ADetachedSinkGetsNothingMoreAndSinksSeeOnlyTheirFilter()
    {
        var hub = new TaskEventHub(partitions: 2);
        var mine = new RecordingSink(EventFilter.ForOwner("me"));
        var gone = new RecordingSink(EventFilter.All);
        var all = new RecordingSink(EventFilter.All);
        hub.Attach(mine);
        hub.Attach(gone);
        hub.Attach(all);
        Assert.Equal(3, hub.SinkCount);

        hub.Publish([Event(1, "me"), Event(2, "you")]);
        await gone.WaitForAsync(2);
        hub.Detach(gone);
        Assert.Equal(2, hub.SinkCount);
        hub.Publish([Event(3, "me")]);
        await all.WaitForAsync(3);
        await mine.WaitForAsync(2);

        Assert.Equal([1, 2], gone.Ids);
        Assert.Equal([1, 3], mine.Ids);
        Assert.Equal([1, 2, 3], all.Ids);
    }

    [Fact]
    public async Task EachSliceOfTheHeartbeatReachesItsShareOfTheSinksAndAWholePeriodReachesEachOnce()
    {
        var hub = new TaskEventHub(partitions: 2);
        var sinks = Enumerable.Range(0, 2 * TaskEventHub.HeartbeatSlices).Select(_ => new RecordingSink(EventFilter.All)).ToList();
        sinks.ForEach(hub.Attach);

        // Deliveries reach a sink in order: once it has event 1, it has every heartbeat posted before it.
        hub.Heartbeat(5);
        hub.Publish([Event(1)]);
        foreach (var sink in sinks)
        {
            await sink.WaitForEventAsync(1);
        }

        Assert.Equal(2, sinks.Count(s => s.Heartbeats == 1));
        Assert.Equal(sinks.Count - 2, sinks.Count(s => s.Heartbeats == 0));

        // The other fifteen slices of the period (counting on past the slice count wraps around).
        for (var slice = 6; slice < 5 + TaskEventHub.HeartbeatSlices; slice++)
        {
            hub.Heartbeat(slice);
        }

        hub.Publish([Event(2)]);
        foreach (var sink in sinks)
        {
            await sink.WaitForEventAsync(2);
        }

        Assert.All(sinks, s => Assert.Equal(1, s.Heartbeats));
    }

    /// <summary>A response body whose flushes can be held, like a client that stopped reading.</summary>
    private sealed class HeldPipeWriter : PipeWriter
    {
        private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0));
        private TaskCompletionSource<FlushResult>? _held;

        public volatile bool Hold;

        public string Written => Volatile.Read(ref _written);

        private string _written = "";

        public override void Advance(int bytes) => _pipe.Writer.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pipe.Writer.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pipe.Writer.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            // Decided before the bytes show, so a test that saw them knows whether this flush was held.
            var hold = Hold;
            _pipe.Writer.FlushAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
            if (_pipe.Reader.TryRead(out var read))
            {
                Volatile.Write(ref _written, _written + Encoding.UTF8.GetString(read.Buffer));
                _pipe.Reader.AdvanceTo(read.Buffer.End);
            }

            if (!hold)
            {
                return ValueTask.FromResult(new FlushResult(false, false));
            }

            _held = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask<FlushResult>(_held.Task);
        }

        public void Release()
        {
            Hold = false;
            _held?.TrySetResult(new FlushResult(false, false));
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }
    }

    private static long[] WrittenIds(HeldPipeWriter body) =>
        body.Written.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => long.Parse(l[4..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    [Fact]
    public async Task AStreamWhoseClientIsSlowKeepsEveryEventInOrderAndOverflowsPastItsBuffer()
    {
        var hub = new TaskEventHub(partitions: 1);
        var body = new HeldPipeWriter();
        var sink = new SseSink(EventFilter.All, body, endAfterTerminal: false, lastId: 0, bufferSize: 5);
        hub.Attach(sink);
        var witness = new RecordingSink(EventFilter.All); // Same partition, after the stream: once it has an event, so has the stream.
        hub.Attach(witness);
        using var stop = new CancellationTokenSource();
        var run = sink.RunAsync(stop.Token);

        hub.Publish([Event(1), Event(2)]);
        await UntilAsync(() => WrittenIds(body).Length == 2);

        // The client stops reading: the flush after event 3 stays pending, later events wait in the buffer.
        body.Hold = true;
        hub.Publish([Event(3)]);
        await UntilAsync(() => WrittenIds(body).Length == 3);
        hub.Publish([Event(4), Event(5)]);
        hub.Heartbeat();
        hub.Publish([Event(6)]);
        await witness.WaitForEventAsync(6);
        body.Release();
        await UntilAsync(() => WrittenIds(body).Length == 6);
        Assert.Equal([1, 2, 3, 4, 5, 6], WrittenIds(body));
        Assert.False(run.IsCompleted);

        // Held again, and more events arrive than the buffer holds: the stream is cut off to catch up from the log.
        body.Hold = true;
        hub.Publish([Event(7)]);
        await UntilAsync(() => WrittenIds(body).Length == 7);
        hub.Publish([.. Enumerable.Range(8, 6).Select(i => Event(i))]);
        await witness.WaitForEventAsync(13);
        body.Release();
        Assert.Equal(SseSink.End.Overflowed, await run.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal(7, sink.LastId);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], WrittenIds(body));
    }

    [Fact]
    public async Task ATasksStreamEndsAfterItsTerminalEventAndAClosedStreamIsNeverWrittenAgain()
    {
        var hub = new TaskEventHub(partitions: 1);
        var taskId = Guid.NewGuid();
        var body = new HeldPipeWriter();
        var sink = new SseSink(EventFilter.ForTask(taskId), body, endAfterTerminal: true, lastId: 1, bufferSize: 10);
        hub.Attach(sink);
        var run = sink.RunAsync(TestContext.Current.CancellationToken);

        // Event 1 was already written from the log: it is not written again.
        hub.Publish([Event(1, taskId: taskId), Event(2, taskId: taskId), Event(3), Event(4, status: TaskState.Completed, taskId: taskId), Event(5, taskId: taskId)]);
        Assert.Equal(SseSink.End.Ended, await run.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal([2, 4], WrittenIds(body));

        var other = new HeldPipeWriter();
        var closed = new SseSink(EventFilter.All, other, endAfterTerminal: false, lastId: 0, bufferSize: 10);
        hub.Attach(closed);
        using var stop = new CancellationTokenSource();
        var closedRun = closed.RunAsync(stop.Token);
        await stop.CancelAsync();
        Assert.Equal(SseSink.End.Closed, await closedRun.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        var witness = new RecordingSink(EventFilter.All);
        hub.Attach(witness);
        hub.Publish([Event(9)]);
        hub.Heartbeat();
        await witness.WaitForAsync(2);
        Assert.Equal("", other.Written);
    }
}
