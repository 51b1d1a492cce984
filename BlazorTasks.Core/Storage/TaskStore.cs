using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using Microsoft.Data.Sqlite;

namespace BlazorTasks.Core.Storage;

/// <summary>
/// The writes of the task state machine, as SQL run inside a <see cref="TaskWriter"/> batch. Every state
/// change is a conditional update (<c>WHERE Status = @expected</c>) and writes its outbox event in the same
/// transaction, so a racing worker and webhook produce exactly one terminal state and one terminal event.
/// </summary>
public static class TaskStore
{
    private const string Columns =
        "Id, OwnerId, Type, Status, PayloadJson, ResultJson, ProgressPercent, ProgressMessage, Attempt, MaxAttempts, " +
        "CreatedAt, StartedAt, CompletedAt, NotBefore, LeaseOwner, LeaseExpiresAt, DeadlineAt, CancelRequested, " +
        "CallbackUrl, CallbackStatus, CallbackAttempts, CallbackNextAttemptAt, ArtifactPath, ArtifactContentType, ArtifactFileName, RetryOf";

    /// <summary>Deadline of a task that a webhook started before a worker claimed it, unless the outcome says otherwise.</summary>
    public static readonly TimeSpan DefaultCallbackTimeout = TimeSpan.FromMinutes(10);

    public static void Insert(WriteContext context, TaskRecord task)
    {
        var command = context.Command(
            "INSERT INTO Tasks (" + Columns + ") VALUES (@id, @owner, @type, @status, @payload, NULL, NULL, NULL, @attempt, @maxAttempts, " +
            "@createdAt, NULL, NULL, @notBefore, NULL, NULL, NULL, 0, @callbackUrl, @callbackStatus, 0, NULL, NULL, NULL, NULL, @retryOf)");
        var p = command.Parameters;
        p.AddWithValue("@id", task.Id);
        p.AddWithValue("@owner", task.OwnerId);
        p.AddWithValue("@type", task.Type);
        p.AddWithValue("@status", task.Status.ToWire());
        p.AddWithValue("@payload", task.PayloadJson);
        p.AddWithValue("@attempt", task.Attempt);
        p.AddWithValue("@maxAttempts", task.MaxAttempts);
        p.AddWithValue("@createdAt", task.CreatedAt.ToUnixTimeMilliseconds());
        p.AddWithValue("@notBefore", Db(task.NotBefore));
        p.AddWithValue("@callbackUrl", (object?)task.CallbackUrl ?? DBNull.Value);
        p.AddWithValue("@callbackStatus", (object?)task.CallbackStatus ?? DBNull.Value);
        p.AddWithValue("@retryOf", (object?)task.RetryOf ?? DBNull.Value);
        command.ExecuteNonQuery();
        Emit(context, task, TaskEventNames.Created);
    }

    public static TaskRecord? Load(WriteContext context, Guid taskId)
    {
        var command = context.Command("SELECT " + Columns + " FROM Tasks WHERE Id = @id");
        command.Parameters.AddWithValue("@id", taskId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>pending → processing for this worker, if the task is still pending and due.</summary>
    public static TaskRecord? TryClaim(WriteContext context, Guid taskId, string leaseOwner, TimeSpan lease)
    {
        var now = context.Now;
        var command = context.Command(
            "UPDATE Tasks SET Status = 'processing', StartedAt = @now, LeaseOwner = @owner, LeaseExpiresAt = @until, " +
            "ProgressPercent = NULL, ProgressMessage = NULL " +
            "WHERE Id = @id AND Status = 'pending' AND (NotBefore IS NULL OR NotBefore <= @now) RETURNING " + Columns);
        command.Parameters.AddWithValue("@id", taskId);
        command.Parameters.AddWithValue("@now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@owner", leaseOwner);
        command.Parameters.AddWithValue("@until", (now + lease).ToUnixTimeMilliseconds());
        if (UpdateReturning(command) is not { } task)
        {
            return null;
        }

        Emit(context, task, TaskEventNames.Processing);
        return task;
    }

    /// <summary>The one completion path: workers and webhooks both come through here.</summary>
    public static ApplyResult Apply(WriteContext context, TaskOutcome outcome)
    {
        if (outcome is { LeaseOwner: not null, WebhookId: null } && outcome.Status.IsTerminal() && TryFinishLeased(context, outcome) is { } finished)
        {
            return finished;
        }

        var task = Load(context, outcome.TaskId);
        if (task is null)
        {
            return ApplyResult.NotFound;
        }

        if (outcome.WebhookId is not null && WebhookReceiptExists(context, outcome.WebhookId))
        {
            return new ApplyResult(ApplyStatus.NoOp, task.Status, "This webhook-id was already applied.");
        }

        if (outcome.LeaseOwner is not null && (task.Status != TaskState.Processing || task.LeaseOwner != outcome.LeaseOwner))
        {
            return new ApplyResult(ApplyStatus.Conflict, task.Status, "The worker no longer holds this task's lease.");
        }

        switch (TaskStateMachine.Decide(task.Status, outcome.Status))
        {
            case TransitionDecision.NoOp:
                RecordWebhookReceipt(context, outcome.WebhookId, task.Id);
                return new ApplyResult(ApplyStatus.NoOp, task.Status);
            case TransitionDecision.Forbidden:
                return new ApplyResult(
                    ApplyStatus.Conflict,
                    task.Status,
                    $"A {task.Status.ToWire()} task cannot become {outcome.Status.ToWire()}.");
        }

        var expected = task.Status;
        var now = context.Now;
        string eventName;
        string? error = null;
        if (outcome.Status == TaskState.Processing)
        {
            eventName = expected == TaskState.Pending ? TaskEventNames.Processing : TaskEventNames.Progress;
            if (expected == TaskState.Pending)
            {
                // Started from outside (a webhook) before any worker claimed it: no worker will hold a
                // lease, so the task gets a callback deadline instead, like an external task waiting.
                task.StartedAt = now;
                task.DeadlineAt = now + (outcome.CallbackTimeout ?? DefaultCallbackTimeout);
            }

            if (outcome.Progress is { } progress)
            {
                task.ProgressPercent = progress.Percent;
                task.ProgressMessage = progress.Message;
            }
        }
        else
        {
            eventName = TaskEventNames.Completed;
            task.CompletedAt = now;
            task.StartedAt ??= now;
            task.LeaseOwner = null;
            task.LeaseExpiresAt = null;
            task.DeadlineAt = null;
            switch (outcome.Status)
            {
                case TaskState.Completed:
                    task.ResultJson = outcome.ResultJson ?? "null";
                    task.ProgressPercent = outcome.Progress?.Percent ?? 100;
                    task.ProgressMessage = outcome.Progress?.Message ?? "done";
                    break;
                case TaskState.Failed:
                    error = string.IsNullOrWhiteSpace(outcome.Error) ? "The task failed." : outcome.Error;
                    task.ResultJson = ErrorResult(error);
                    if (outcome.Progress is { } failedProgress)
                    {
                        task.ProgressPercent = failedProgress.Percent;
                        task.ProgressMessage = failedProgress.Message;
                    }

                    break;
                case TaskState.Canceled:
                    task.ResultJson = null;
                    break;
            }

            if (task.CallbackUrl is not null)
            {
                task.CallbackStatus = "pending";
                task.CallbackNextAttemptAt = now;
            }
        }

        task.Status = outcome.Status;
        if (!UpdateState(context, task, expected))
        {
            return new ApplyResult(ApplyStatus.Conflict, expected, "The task changed concurrently.");
        }

        RecordWebhookReceipt(context, outcome.WebhookId, task.Id);
        Emit(context, task, eventName, error);
        return new ApplyResult(ApplyStatus.Applied, task.Status);
    }

    /// <summary>
    /// A worker's outcome for the task whose lease it still holds: the same change as the general path
    /// (processing → terminal is always allowed), as one conditional <c>UPDATE … RETURNING</c> instead of
    /// a read and a write. Null when nothing matched: the general path then says why (gone, lease lost).
    /// </summary>
    private static ApplyResult? TryFinishLeased(WriteContext context, TaskOutcome outcome)
    {
        string? result = null;
        string? error = null;
        var progress = outcome.Progress;
        switch (outcome.Status)
        {
            case TaskState.Completed:
                result = outcome.ResultJson ?? "null";
                progress = new TaskProgress(outcome.Progress?.Percent ?? 100, outcome.Progress?.Message ?? "done");
                break;
            case TaskState.Failed:
                error = string.IsNullOrWhiteSpace(outcome.Error) ? "The task failed." : outcome.Error;
                result = ErrorResult(error);
                break;
            case TaskState.Canceled:
                progress = null;
                break;
        }

        var command = context.Command(
            "UPDATE Tasks SET Status = @status, ResultJson = @result, " +
            "ProgressPercent = CASE WHEN @setProgress THEN @percent ELSE ProgressPercent END, " +
            "ProgressMessage = CASE WHEN @setProgress THEN @message ELSE ProgressMessage END, " +
            "CompletedAt = @now, StartedAt = COALESCE(StartedAt, @now), LeaseOwner = NULL, LeaseExpiresAt = NULL, DeadlineAt = NULL, " +
            "CallbackStatus = CASE WHEN CallbackUrl IS NULL THEN CallbackStatus ELSE 'pending' END, " +
            "CallbackNextAttemptAt = CASE WHEN CallbackUrl IS NULL THEN CallbackNextAttemptAt ELSE @now END " +
            "WHERE Id = @id AND Status = 'processing' AND LeaseOwner = @owner RETURNING " + Columns);
        var p = command.Parameters;
        p.AddWithValue("@id", outcome.TaskId);
        p.AddWithValue("@owner", outcome.LeaseOwner);
        p.AddWithValue("@status", outcome.Status.ToWire());
        p.AddWithValue("@result", (object?)result ?? DBNull.Value);
        p.AddWithValue("@setProgress", progress is not null);
        p.AddWithValue("@percent", (object?)progress?.Percent ?? DBNull.Value);
        p.AddWithValue("@message", (object?)progress?.Message ?? DBNull.Value);
        p.AddWithValue("@now", context.Now.ToUnixTimeMilliseconds());
        if (UpdateReturning(command) is not { } task)
        {
            return null;
        }

        Emit(context, task, TaskEventNames.Completed, error);
        return new ApplyResult(ApplyStatus.Applied, task.Status);
    }

    /// <summary>Progress from a running handler; ignored once the task is no longer processing.</summary>
    public static bool ReportProgress(WriteContext context, Guid taskId, TaskProgress progress)
    {
        var command = context.Command(
            "UPDATE Tasks SET ProgressPercent = @percent, ProgressMessage = @message WHERE Id = @id AND Status = 'processing' RETURNING " + Columns);
        command.Parameters.AddWithValue("@id", taskId);
        command.Parameters.AddWithValue("@percent", progress.Percent);
        command.Parameters.AddWithValue("@message", (object?)progress.Message ?? DBNull.Value);
        if (UpdateReturning(command) is not { } task)
        {
            return false;
        }

        Emit(context, task, TaskEventNames.Progress);
        return true;
    }

    /// <summary>
    /// processing → pending for another attempt (after a handler error or a lost lease), or → failed
    /// when the attempts are used up. Returns the new state.
    /// </summary>
    public static TaskState RetryOrFail(WriteContext context, TaskRecord task, string error, DateTimeOffset notBefore)
    {
        if (task.Attempt >= task.MaxAttempts)
        {
            Apply(context, TaskOutcome.Failed(task.Id, error));
            return TaskState.Failed;
        }

        var command = context.Command(
            "UPDATE Tasks SET Status = 'pending', Attempt = Attempt + 1, NotBefore = @notBefore, LeaseOwner = NULL, LeaseExpiresAt = NULL, " +
            "ProgressPercent = NULL, ProgressMessage = @message WHERE Id = @id AND Status = 'processing' AND Attempt = @attempt RETURNING " + Columns);
        command.Parameters.AddWithValue("@id", task.Id);
        command.Parameters.AddWithValue("@attempt", task.Attempt);
        command.Parameters.AddWithValue("@notBefore", notBefore.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@message", Truncate($"attempt {task.Attempt} failed: {error}", 500));
        if (UpdateReturning(command) is not { } requeued)
        {
            return task.Status;
        }

        Emit(context, requeued, TaskEventNames.Progress, error);
        return TaskState.Pending;
    }

    /// <summary>For tasks that wait for an outside callback: stay processing, owned by no worker, until the deadline.</summary>
    public static bool AwaitCallback(WriteContext context, Guid taskId, string leaseOwner, DateTimeOffset deadline)
    {
        // A cancel that arrived while the handler was handing over (signalled to a handler that had
        // already returned) is honoured here instead of being lost.
        if (Load(context, taskId) is { Status: TaskState.Processing, CancelRequested: true } current && current.LeaseOwner == leaseOwner)
        {
            Apply(context, TaskOutcome.Canceled(taskId));
            return false;
        }

        var command = context.Command(
            "UPDATE Tasks SET LeaseOwner = NULL, LeaseExpiresAt = NULL, DeadlineAt = @deadline " +
            "WHERE Id = @id AND Status = 'processing' AND LeaseOwner = @owner");
        command.Parameters.AddWithValue("@id", taskId);
        command.Parameters.AddWithValue("@owner", leaseOwner);
        command.Parameters.AddWithValue("@deadline", deadline.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    public static void RenewLeases(WriteContext context, string leaseOwner, IEnumerable<Guid> taskIds, TimeSpan lease)
    {
        var until = (context.Now + lease).ToUnixTimeMilliseconds();
        foreach (var taskId in taskIds)
        {
            var command = context.Command(
                "UPDATE Tasks SET LeaseExpiresAt = @until WHERE Id = @id AND Status = 'processing' AND LeaseOwner = @owner");
            command.Parameters.AddWithValue("@id", taskId);
            command.Parameters.AddWithValue("@owner", leaseOwner);
            command.Parameters.AddWithValue("@until", until);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Tasks whose worker died (lease ran out) go back to pending with attempt + 1, or fail past
    /// maxAttempts; tasks whose callback deadline passed fail. Returns the ids that are pending again.
    /// </summary>
    public static IReadOnlyList<Guid> RecoverExpired(WriteContext context, TimeSpan retryDelay, int limit = 500)
    {
        var now = context.Now.ToUnixTimeMilliseconds();
        var expired = Query(context,
            "SELECT " + Columns + " FROM Tasks WHERE Status = 'processing' AND LeaseExpiresAt IS NOT NULL AND LeaseExpiresAt < @now LIMIT @limit",
            now, limit);
        var requeued = new List<Guid>();
        foreach (var task in expired)
        {
            var state = RetryOrFail(context, task, "The worker running this task stopped (lease expired).", context.Now + retryDelay);
            if (state == TaskState.Pending)
            {
                requeued.Add(task.Id);
            }
        }

        var overdue = Query(context,
            "SELECT " + Columns + " FROM Tasks WHERE Status = 'processing' AND DeadlineAt IS NOT NULL AND DeadlineAt < @now LIMIT @limit",
            now, limit);
        foreach (var task in overdue)
        {
            Apply(context, TaskOutcome.Failed(task.Id, "timed out waiting for callback"));
        }

        return requeued;
    }

    /// <summary>Hands a running task back (graceful shutdown): pending again, same attempt.</summary>
    public static bool Release(WriteContext context, Guid taskId, string leaseOwner)
    {
        var command = context.Command(
            "UPDATE Tasks SET Status = 'pending', StartedAt = NULL, LeaseOwner = NULL, LeaseExpiresAt = NULL, " +
            "ProgressPercent = NULL, ProgressMessage = 'waiting for the server to restart' " +
            "WHERE Id = @id AND Status = 'processing' AND LeaseOwner = @owner RETURNING " + Columns);
        command.Parameters.AddWithValue("@id", taskId);
        command.Parameters.AddWithValue("@owner", leaseOwner);
        if (UpdateReturning(command) is not { } released)
        {
            return false;
        }

        Emit(context, released, TaskEventNames.Progress);
        return true;
    }

    /// <summary>Marks a processing task as asked to cancel (the handler is told separately).</summary>
    public static bool RequestCancel(WriteContext context, Guid taskId)
    {
        var command = context.Command("UPDATE Tasks SET CancelRequested = 1 WHERE Id = @id AND Status = 'processing'");
        command.Parameters.AddWithValue("@id", taskId);
        return command.ExecuteNonQuery() == 1;
    }

    private static bool UpdateState(WriteContext context, TaskRecord task, TaskState expected)
    {
        var command = context.Command(
            "UPDATE Tasks SET Status = @status, ResultJson = @result, ProgressPercent = @percent, ProgressMessage = @message, " +
            "StartedAt = @startedAt, CompletedAt = @completedAt, LeaseOwner = @leaseOwner, LeaseExpiresAt = @leaseExpiresAt, " +
            "DeadlineAt = @deadlineAt, CallbackStatus = @callbackStatus, CallbackNextAttemptAt = @callbackNext " +
            "WHERE Id = @id AND Status = @expected");
        var p = command.Parameters;
        p.AddWithValue("@id", task.Id);
        p.AddWithValue("@expected", expected.ToWire());
        p.AddWithValue("@status", task.Status.ToWire());
        p.AddWithValue("@result", (object?)task.ResultJson ?? DBNull.Value);
        p.AddWithValue("@percent", (object?)task.ProgressPercent ?? DBNull.Value);
        p.AddWithValue("@message", (object?)task.ProgressMessage ?? DBNull.Value);
        p.AddWithValue("@startedAt", Db(task.StartedAt));
        p.AddWithValue("@completedAt", Db(task.CompletedAt));
        p.AddWithValue("@leaseOwner", (object?)task.LeaseOwner ?? DBNull.Value);
        p.AddWithValue("@leaseExpiresAt", Db(task.LeaseExpiresAt));
        p.AddWithValue("@deadlineAt", Db(task.DeadlineAt));
        p.AddWithValue("@callbackStatus", (object?)task.CallbackStatus ?? DBNull.Value);
        p.AddWithValue("@callbackNext", Db(task.CallbackNextAttemptAt));
        return command.ExecuteNonQuery() == 1;
    }

    private static bool WebhookReceiptExists(WriteContext context, string messageId)
    {
        var command = context.Command("SELECT 1 FROM WebhookReceipts WHERE MessageId = @id");
        command.Parameters.AddWithValue("@id", messageId);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Remembers an applied webhook-id (only applied ones: a refused delivery may be retried).</summary>
    private static void RecordWebhookReceipt(WriteContext context, string? messageId, Guid taskId)
    {
        if (messageId is null)
        {
            return;
        }

        var command = context.Command(
            "INSERT INTO WebhookReceipts (MessageId, TaskId, ReceivedAt) VALUES (@id, @task, @at) ON CONFLICT(MessageId) DO NOTHING");
        command.Parameters.AddWithValue("@id", messageId);
        command.Parameters.AddWithValue("@task", taskId);
        command.Parameters.AddWithValue("@at", context.Now.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Writes the outbox row for a state change and queues it for publishing after commit.</summary>
    private static void Emit(WriteContext context, TaskRecord task, string name, string? error = null)
    {
        var data = new TaskEventData(
            task.Id,
            task.Type,
            task.Status,
            task.ProgressPercent is { } percent ? new TaskProgress(percent, task.ProgressMessage) : null,
            task.Attempt,
            context.Now)
        {
            Error = error,
        };
        var json = JsonSerializer.Serialize(data, TaskJson.Options);
        var command = context.Command(
            "INSERT INTO TaskEvents (TaskId, OwnerId, Name, DataJson, At) VALUES (@task, @owner, @name, @data, @at) RETURNING Id");
        command.Parameters.AddWithValue("@task", task.Id);
        command.Parameters.AddWithValue("@owner", task.OwnerId);
        command.Parameters.AddWithValue("@name", name);
        command.Parameters.AddWithValue("@data", json);
        command.Parameters.AddWithValue("@at", context.Now.ToUnixTimeMilliseconds());
        var id = (long)command.ExecuteScalar()!;
        context.Publish(new TaskEvent(id, name, task.OwnerId, json, data));
    }

    private static List<TaskRecord> Query(WriteContext context, string sql, long now, int limit)
    {
        var command = context.Command(sql);
        command.Parameters.AddWithValue("@now", now);
        command.Parameters.AddWithValue("@limit", limit);
        var tasks = new List<TaskRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            tasks.Add(Read(reader));
        }

        return tasks;
    }

    /// <summary>Runs an <c>UPDATE … RETURNING</c> of one task: the row as updated, or null when nothing matched.</summary>
    private static TaskRecord? UpdateReturning(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static TaskRecord Read(SqliteDataReader r) => new()
    {
        Id = r.GetGuid(0),
        OwnerId = r.GetString(1),
        Type = r.GetString(2),
        Status = TaskStateNames.Parse(r.GetString(3)),
        PayloadJson = r.GetString(4),
        ResultJson = r.IsDBNull(5) ? null : r.GetString(5),
        ProgressPercent = r.IsDBNull(6) ? null : r.GetInt32(6),
        ProgressMessage = r.IsDBNull(7) ? null : r.GetString(7),
        Attempt = r.GetInt32(8),
        MaxAttempts = r.GetInt32(9),
        CreatedAt = Time(r, 10)!.Value,
        StartedAt = Time(r, 11),
        CompletedAt = Time(r, 12),
        NotBefore = Time(r, 13),
        LeaseOwner = r.IsDBNull(14) ? null : r.GetString(14),
        LeaseExpiresAt = Time(r, 15),
        DeadlineAt = Time(r, 16),
        CancelRequested = r.GetBoolean(17),
        CallbackUrl = r.IsDBNull(18) ? null : r.GetString(18),
        CallbackStatus = r.IsDBNull(19) ? null : r.GetString(19),
        CallbackAttempts = r.GetInt32(20),
        CallbackNextAttemptAt = Time(r, 21),
        ArtifactPath = r.IsDBNull(22) ? null : r.GetString(22),
        ArtifactContentType = r.IsDBNull(23) ? null : r.GetString(23),
        ArtifactFileName = r.IsDBNull(24) ? null : r.GetString(24),
        RetryOf = r.IsDBNull(25) ? null : r.GetGuid(25),
    };

    private static DateTimeOffset? Time(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    private static object Db(DateTimeOffset? value) => value is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value;

    private static string ErrorResult(string error) => JsonSerializer.Serialize(new { error }, TaskJson.Options);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
