using System.Buffers;
using System.Text;
using BlazorTasks.Core.Events;

namespace BlazorTasks.Web.Events;

/// <summary>
/// The text/event-stream wire format, written by hand because the stream needs comment lines
/// (<c>: ping</c>) and an initial <c>retry:</c>, which <c>TypedResults.ServerSentEvents</c> does not write.
/// Event data is the JSON serialized once when the event was committed. Writes are buffered in the
/// response pipe until <see cref="FlushAsync"/>, so a burst of events goes out in one flush.
/// </summary>
internal sealed class SseWriter(HttpResponse response)
{
    /// <summary>A heartbeat comment.</summary>
    public static readonly byte[] Ping = Encoding.UTF8.GetBytes(": ping\n\n");

    /// <summary>An event's whole frame (<c>id:</c>, <c>event:</c>, <c>data:</c>) as UTF-8.</summary>
    public static byte[] EncodeEvent(TaskEvent taskEvent) =>
        Encoding.UTF8.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"id: {taskEvent.Id}\nevent: {taskEvent.Name}\ndata: {taskEvent.DataJson}\n\n"));

    public Task WritePreambleAsync(CancellationToken cancellationToken)
    {
        Write("retry: 3000\n: connected\n\n");
        return FlushAsync(cancellationToken);
    }

    /// <summary>Writes an event's frame (for the log catch-up; live events reuse one frame per event).</summary>
    public void WriteEvent(TaskEvent taskEvent) => response.BodyWriter.Write(EncodeEvent(taskEvent));

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var result = await response.BodyWriter.FlushAsync(cancellationToken);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The event stream's client went away.", cancellationToken);
        }
    }

    private void Write(string text) => Encoding.UTF8.GetBytes(text.AsSpan(), response.BodyWriter);
}
