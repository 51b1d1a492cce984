using BlazorTasks.Core.Storage;

namespace BlazorTasks.Core.Capabilities;

/// <summary>Delivery states of a task's outbound callback (<c>Tasks.CallbackStatus</c>).</summary>
public static class CallbackStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>The writes of callback delivery: one attempt row plus the task's delivery state, together.</summary>
public static class CallbackStore
{
    /// <summary>
    /// Records attempt number <paramref name="attempt"/> and moves the delivery on; a no-op (false) when
    /// another delivery of the same attempt already recorded it.
    /// </summary>
    public static bool RecordAttempt(WriteContext context, CallbackAttempt attempt, string newStatus, DateTimeOffset? nextAttemptAt)
    {
        var update = context.Command(
            "UPDATE Tasks SET CallbackAttempts = @attempt, CallbackStatus = @status, CallbackNextAttemptAt = @next " +
            "WHERE Id = @id AND CallbackStatus = 'pending' AND CallbackAttempts = @attempt - 1");
        update.Parameters.AddWithValue("@id", attempt.TaskId);
        update.Parameters.AddWithValue("@attempt", attempt.Attempt);
        update.Parameters.AddWithValue("@status", newStatus);
        update.Parameters.AddWithValue("@next", nextAttemptAt is { } next ? next.ToUnixTimeMilliseconds() : DBNull.Value);
        if (update.ExecuteNonQuery() == 0)
        {
            return false;
        }

        var insert = context.Command(
            "INSERT INTO CallbackAttempts (TaskId, Attempt, At, StatusCode, Error, Succeeded, DurationMs) " +
            "VALUES (@task, @attempt, @at, @code, @error, @ok, @duration)");
        insert.Parameters.AddWithValue("@task", attempt.TaskId);
        insert.Parameters.AddWithValue("@attempt", attempt.Attempt);
        insert.Parameters.AddWithValue("@at", attempt.At.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("@code", (object?)attempt.StatusCode ?? DBNull.Value);
        insert.Parameters.AddWithValue("@error", attempt.Error is { } error ? (error.Length > 1000 ? error[..1000] : error) : DBNull.Value);
        insert.Parameters.AddWithValue("@ok", attempt.Succeeded);
        insert.Parameters.AddWithValue("@duration", attempt.DurationMs);
        insert.ExecuteNonQuery();
        return true;
    }
}
