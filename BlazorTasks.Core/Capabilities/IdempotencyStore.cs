using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Core.Capabilities;

/// <summary>An <c>Idempotency-Key</c> with the hash of the request body it came with.</summary>
public sealed record IdempotencyRequest(string Key, string RequestHash)
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>1–255 printable ASCII characters (space to tilde).</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: >= 1 and <= MaxLength } && key.All(c => c is >= ' ' and <= '~');

    public static string Hash(ReadOnlySpan<byte> body) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body));
}

public enum IdempotentInsertStatus
{
    Inserted,
    Replay,
    Mismatch,
}

public sealed record IdempotentInsertResult(IdempotentInsertStatus Status, Guid TaskId);

/// <summary>The key check and the task insert, in one write operation (so one transaction).</summary>
public static class IdempotencyStore
{
    public static IdempotentInsertResult InsertOnce(WriteContext context, string ownerId, IdempotencyRequest request, TaskRecord task)
    {
        var find = context.Command("SELECT RequestHash, TaskId FROM IdempotencyKeys WHERE OwnerId = @owner AND Key = @key");
        find.Parameters.AddWithValue("@owner", ownerId);
        find.Parameters.AddWithValue("@key", request.Key);
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                var sameBody = string.Equals(reader.GetString(0), request.RequestHash, StringComparison.Ordinal);
                var taskId = reader.IsDBNull(1) ? Guid.Empty : reader.GetGuid(1);
                return new IdempotentInsertResult(sameBody ? IdempotentInsertStatus.Replay : IdempotentInsertStatus.Mismatch, taskId);
            }
        }

        TaskStore.Insert(context, task);
        var insert = context.Command(
            "INSERT INTO IdempotencyKeys (OwnerId, Key, RequestHash, TaskId, CreatedAt) VALUES (@owner, @key, @hash, @task, @at)");
        insert.Parameters.AddWithValue("@owner", ownerId);
        insert.Parameters.AddWithValue("@key", request.Key);
        insert.Parameters.AddWithValue("@hash", request.RequestHash);
        insert.Parameters.AddWithValue("@task", task.Id);
        insert.Parameters.AddWithValue("@at", context.Now.ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        return new IdempotentInsertResult(IdempotentInsertStatus.Inserted, task.Id);
    }
}

/// <summary>
/// The Idempotency-Keys whose first request is still being handled in this process: a second request
/// with the same key meanwhile is answered 409 instead of waiting.
/// </summary>
public sealed class IdempotencyInFlight
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string OwnerId, string Key), byte> _keys = new();

    public bool Contains(string ownerId, string key) => _keys.ContainsKey((ownerId, key));

    /// <summary>A handle to dispose when the request is done, or null when the key is already in flight.</summary>
    public IDisposable? TryEnter(string ownerId, string key) =>
        _keys.TryAdd((ownerId, key), 0) ? new Entry(this, (ownerId, key)) : null;

    private sealed class Entry(IdempotencyInFlight owner, (string, string) key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner._keys.TryRemove(key, out _);
            }
        }
    }
}
