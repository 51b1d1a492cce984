using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BlazorTasks.Benchmarks;

/// <summary>One received SSE event, stamped when the bytes carrying it arrived.</summary>
internal readonly record struct SseEvent(string Name, string Data, long ReceivedTimestamp, DateTimeOffset ReceivedAt);

/// <summary>
/// A minimal SSE client on a raw socket (HTTP/1.1, chunked), cheap enough to hold ten thousand of in
/// the benchmark process: a 4 KB receive buffer, no HttpClient per stream. Counts heartbeats and hands
/// every event to a callback on the receiving thread.
/// </summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Action<SseEvent>? _onEvent;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<byte> _line = new(256);
    private Task _reading = Task.CompletedTask;
    private int _pings;

    // Chunked transfer decoding state.
    private bool _chunked;
    private ChunkState _chunkState = ChunkState.Size;
    private long _chunkRemaining;
    private long _chunkSize;

    // SSE parsing state.
    private string? _eventName;
    private string? _eventData;
    private long _receivedTimestamp;
    private DateTimeOffset _receivedAt;

    private SseStream(Socket socket, Action<SseEvent>? onEvent)
    {
        _socket = socket;
        _onEvent = onEvent;
    }

    private enum ChunkState
    {
        Size,
        Data,
        DataEnd,
        Done,
    }

    /// <summary>Heartbeat comments (<c>: ping</c>) received so far.</summary>
    public int Pings => Volatile.Read(ref _pings);

    /// <summary>Completes when the stream's preamble (<c>: connected</c>) arrived.</summary>
    public Task Connected => _connected.Task;

    public Exception? Error { get; private set; }

    public static async Task<SseStream> OpenAsync(Uri baseAddress, string pathAndQuery, string? bearerToken, Action<SseEvent>? onEvent, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseAddress.Port), cancellationToken);
            var request = new StringBuilder()
                .Append("GET ").Append(pathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(baseAddress.Authority).Append("\r\n")
                .Append("Accept: text/event-stream\r\n");
            if (bearerToken is not null)
            {
                request.Append("Authorization: Bearer ").Append(bearerToken).Append("\r\n");
            }

            request.Append("\r\n");
            await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new SseStream(socket, onEvent);
        stream._reading = stream.ReadAsync();
        return stream;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[4096];
        var header = new List<byte>(512);
        var inBody = false;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    throw new IOException("The server closed the event stream.");
                }

                _receivedTimestamp = Stopwatch.GetTimestamp();
                _receivedAt = DateTimeOffset.UtcNow;
                var offset = 0;
                if (!inBody)
                {
                    while (offset < read && !inBody)
                    {
                        header.Add(buffer[offset++]);
                        var n = header.Count;
                        inBody = n >= 4 && header[n - 4] == '\r' && header[n - 3] == '\n' && header[n - 2] == '\r' && header[n - 1] == '\n';
                    }

                    if (!inBody)
                    {
                        continue;
                    }

                    var headers = Encoding.ASCII.GetString(header.ToArray());
                    if (!headers.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                    {
                        throw new IOException($"The event stream answered {headers.Split('\r')[0]}.");
                    }

                    _chunked = headers.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
                }

                Body(buffer.AsSpan(offset, read - offset));
                if (_chunkState == ChunkState.Done)
                {
                    throw new IOException("The server ended the event stream.");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (!_stop.IsCancellationRequested)
        {
            Error = exception;
            _connected.TrySetException(exception);
        }
    }

    private void Body(ReadOnlySpan<byte> data)
    {
        if (!_chunked)
        {
            Sse(data);
            return;
        }

        while (data.Length > 0)
        {
            switch (_chunkState)
            {
                case ChunkState.Size:
                {
                    var b = data[0];
                    data = data[1..];
                    if (b == '\n')
                    {
                        _chunkRemaining = _chunkSize;
                        _chunkState = _chunkSize == 0 ? ChunkState.Done : ChunkState.Data;
                        _chunkSize = 0;
                    }
                    else if (Uri.IsHexDigit((char)b) && _chunkSize >= 0)
                    {
                        _chunkSize = _chunkSize * 16 + Convert.ToInt32(((char)b).ToString(), 16);
                    }
                    else if (b == ';')
                    {
                        _chunkSize = -_chunkSize - 1; // Extensions follow; stop reading digits.
                    }

                    break;
                }

                case ChunkState.Data:
                {
                    var take = (int)Math.Min(_chunkRemaining, data.Length);
                    Sse(data[..take]);
                    data = data[take..];
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                    {
                        _chunkState = ChunkState.DataEnd;
                    }

                    break;
                }

                case ChunkState.DataEnd:
                    if (data[0] == '\n')
                    {
                        _chunkState = ChunkState.Size;
                    }

                    data = data[1..];
                    break;
                default:
                    return;
            }
        }
    }

    private void Sse(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b != '\n')
            {
                _line.Add(b);
                continue;
            }

            var length = _line.Count > 0 && _line[^1] == '\r' ? _line.Count - 1 : _line.Count;
            Line(length);
            _line.Clear();
        }
    }

    private void Line(int length)
    {
        if (length == 0)
        {
            if (_eventData is not null)
            {
                _onEvent?.Invoke(new SseEvent(_eventName ?? "message", _eventData, _receivedTimestamp, _receivedAt));
            }

            _eventName = null;
            _eventData = null;
            return;
        }

        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line)[..length]);
        if (text.StartsWith(": ping", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _pings);
        }
        else if (text.StartsWith(": connected", StringComparison.Ordinal))
        {
            _connected.TrySetResult();
        }
        else if (text.StartsWith("event: ", StringComparison.Ordinal))
        {
            _eventName = text[7..];
        }
        else if (text.StartsWith("data: ", StringComparison.Ordinal))
        {
            _eventData = _eventData is null ? text[6..] : _eventData + "\n" + text[6..];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
