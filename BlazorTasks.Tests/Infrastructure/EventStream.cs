using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace BlazorTasks.Tests.Infrastructure;

/// <summary>One received SSE event, with its data parsed.</summary>
public sealed record ReceivedEvent(long Id, string Name, JsonElement Data)
{
    public Guid TaskId => Data.GetProperty("taskId").GetGuid();

    public string Status => Data.GetProperty("status").GetString()!;
}

/// <summary>
/// An open <c>text/event-stream</c> response read with <see cref="SseParser"/>. Every wait is bounded
/// by a timeout; a stream that ends returns null from <see cref="NextAsync"/>.
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime;
    private readonly IAsyncEnumerator<SseItem<string>> _items;

    private EventStream(HttpResponseMessage response, Stream body, CancellationTokenSource lifetime)
    {
        Response = response;
        _lifetime = lifetime;
        _items = SseParser.Create(body).EnumerateAsync(lifetime.Token).GetAsyncEnumerator(lifetime.Token);
    }

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public HttpResponseMessage Response { get; }

    /// <summary>Opens the stream and checks that it is an event stream.</summary>
    public static async Task<EventStream> OpenAsync(HttpClient client, string url, long? lastEventId = null)
    {
        var lifetime = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } after)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, lifetime.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStreamAsync(lifetime.Token);
        return new EventStream(response, body, lifetime);
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<ReceivedEvent?> NextAsync(TimeSpan? timeout = null)
    {
        var moved = await _items.MoveNextAsync().AsTask().WaitAsync(timeout ?? DefaultTimeout);
        if (!moved)
        {
            return null;
        }

        var item = _items.Current;
        Assert.NotNull(item.EventId);
        using var data = JsonDocument.Parse(item.Data);
        return new ReceivedEvent(long.Parse(item.EventId, System.Globalization.CultureInfo.InvariantCulture), item.EventType, data.RootElement.Clone());
    }

    /// <summary>Reads events until <paramref name="stop"/> matches one (included in the result).</summary>
    public async Task<List<ReceivedEvent>> ReadUntilAsync(Func<ReceivedEvent, bool> stop, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var events = new List<ReceivedEvent>();
        while (true)
        {
            var remaining = timeout ?? DefaultTimeout;
            var next = await NextAsync(remaining).WaitAsync(deadline.Token)
                ?? throw new InvalidOperationException($"The stream ended after {events.Count} events without the expected one.");
            events.Add(next);
            if (stop(next))
            {
                return events;
            }
        }
    }

    /// <summary>Reads every event until the server ends the stream.</summary>
    public async Task<List<ReceivedEvent>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var events = new List<ReceivedEvent>();
        while (await NextAsync(timeout ?? DefaultTimeout).WaitAsync(deadline.Token) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        try
        {
            await _items.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }

        Response.Dispose();
        _lifetime.Dispose();
    }
}
