using System.Threading.Channels;
using BlazorTasks.Core.Events;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Storage;

/// <summary>
/// The single writer of the task tables. Callers hand it small operations; it runs as many as are
/// waiting (up to <see cref="StorageOptions.MaxWriteBatch"/>) in one SQLite transaction, each inside its
/// own savepoint so one failing operation does not undo the others, commits once, then completes every
/// caller and publishes the events the batch wrote. So:
/// <list type="bullet">
/// <item>a caller's task only completes after its rows are durable (a 202 is never ahead of its row);</item>
/// <item>there is one writer connection, so workers and API calls never collide ("database is locked");</item>
/// <item>under load, one commit serves hundreds of requests instead of one each.</item>
/// </list>
/// </summary>
public sealed class TaskWriter : BackgroundService
{
    private readonly Channel<WriteOperation> _operations;
    private readonly StorageOptions _options;
    private readonly TaskEventHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskWriter> _logger;

    public TaskWriter(IOptions<StorageOptions> options, TaskEventHub hub, TimeProvider time, ILogger<TaskWriter> logger)
    {
        _options = options.Value;
        _hub = hub;
        _time = time;
        _logger = logger;
        _operations = Channel.CreateBounded<WriteOperation>(new BoundedChannelOptions(_options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Runs <paramref name="operation"/> in the next batch; completes after that batch commits.</summary>
    public async Task<T> RunAsync<T>(Func<WriteContext, T> operation, CancellationToken cancellationToken = default)
    {
        var pending = new WriteOperation<T>(operation);
        await _operations.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Task;
    }

    public Task RunAsync(Action<WriteContext> operation, CancellationToken cancellationToken = default) =>
        RunAsync<bool>(context => { operation(context); return true; }, cancellationToken);

    /// <summary>
    /// The loop runs on a thread of its own: under load it never waits, and on a thread-pool thread it
    /// would hold one of the pool's few threads (two on two cores) for as long as the load lasts, so
    /// requests would queue behind it until the pool noticed and added threads.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                RunLoop();
                finished.TrySetResult();
            }
            catch (Exception exception)
            {
                finished.TrySetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "TaskWriter",
        };
        thread.Start();
        return finished.Task;
    }

    private void RunLoop()
    {
        // Stopping does not cancel the loop: the writer drains what was queued, so no accepted work is
        // dropped; it ends when the channel is completed in StopAsync.
        using var connection = SqliteConnections.OpenWriter(_options.ConnectionString);
        var context = new WriteContext(connection, _time);
        var batch = new List<WriteOperation>(_options.MaxWriteBatch);

        while (WaitForOperations())
        {
            batch.Clear();
            while (batch.Count < _options.MaxWriteBatch && _operations.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            CommitBatch(context, batch);
        }
    }

    /// <summary>Blocks this (dedicated) thread until an operation is waiting; false once the channel is completed and empty.</summary>
    private bool WaitForOperations()
    {
        var waiting = _operations.Reader.WaitToReadAsync(CancellationToken.None);
        return waiting.IsCompletedSuccessfully ? waiting.Result : waiting.AsTask().GetAwaiter().GetResult();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _operations.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private void CommitBatch(WriteContext context, List<WriteOperation> batch)
    {
        try
        {
            // Operations normally succeed, so they first run straight in the transaction; only when one
            // throws is the batch rolled back and run again with a savepoint around each operation.
            if (!context.TryRunAll(batch))
            {
                context.Rollback();
                context.Begin();
                foreach (var operation in batch)
                {
                    context.RunInSavepoint(operation);
                }
            }

            context.Commit();
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "A write batch of {Count} operations failed to commit", batch.Count);
            context.Rollback();
            foreach (var operation in batch)
            {
                operation.Fail(exception);
            }

            return;
        }

        try
        {
            _hub.Publish(context.CommittedEvents);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Publishing committed events failed");
        }

        foreach (var operation in batch)
        {
            operation.Complete();
        }
    }
}

internal abstract class WriteOperation
{
    /// <summary>Set when the operation threw and its savepoint was rolled back.</summary>
    protected Exception? Error { get; private set; }

    public abstract void Execute(WriteContext context);

    public void RecordFailure(Exception exception) => Error = exception;

    /// <summary>Called after the batch committed: hand the caller its result (or its own error).</summary>
    public abstract void Complete();

    /// <summary>Called when the whole batch failed to commit.</summary>
    public abstract void Fail(Exception exception);
}

internal sealed class WriteOperation<T>(Func<WriteContext, T> operation) : WriteOperation
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;

    public Task<T> Task => _completion.Task;

    public override void Execute(WriteContext context) => _result = operation(context);

    public override void Complete()
    {
        if (Error is not null)
        {
            _completion.TrySetException(Error);
        }
        else
        {
            _completion.TrySetResult(_result!);
        }
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>What a write operation sees: the writer's connection inside the open transaction.</summary>
public sealed class WriteContext
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly List<TaskEvent> _events = [];
    private SqliteTransaction? _transaction;
    private SqliteCommand? _savepoint;
    private SqliteCommand? _release;
    private SqliteCommand? _rollbackToSavepoint;

    internal WriteContext(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        Time = time;
    }

    public TimeProvider Time { get; }

    /// <summary>The time of the current batch, in Unix milliseconds (what the tables store).</summary>
    public DateTimeOffset Now { get; private set; }

    internal IReadOnlyList<TaskEvent> CommittedEvents => _events;

    /// <summary>A prepared command for <paramref name="sql"/>, reused across batches, parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = _transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Queues a committed event for publishing; its row must already be written by the caller.</summary>
    public void Publish(TaskEvent taskEvent) => _events.Add(taskEvent);

    internal void Begin()
    {
        _events.Clear();
        Now = DateTimeOffset.FromUnixTimeMilliseconds(Time.GetUtcNow().ToUnixTimeMilliseconds());
        _transaction = _connection.BeginTransaction();
        _savepoint ??= Prepare("SAVEPOINT op");
        _release ??= Prepare("RELEASE op");
        _rollbackToSavepoint ??= Prepare("ROLLBACK TO op");
    }

    /// <summary>
    /// Begins the transaction and runs every operation without savepoints (two statements fewer each);
    /// false when one threw, and the caller rolls back and reruns them one savepoint at a time. So an
    /// operation may run twice: it must keep its effects inside this context.
    /// </summary>
    internal bool TryRunAll(List<WriteOperation> batch)
    {
        Begin();
        foreach (var operation in batch)
        {
            try
            {
                operation.Execute(this);
            }
            catch (Exception exception) when (!IsFatal(exception))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFatal(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 10 /* SQLITE_IOERR */ or 13 /* SQLITE_FULL */ };

    internal void RunInSavepoint(WriteOperation operation)
    {
        var eventsBefore = _events.Count;
        Run(_savepoint!);
        try
        {
            operation.Execute(this);
            Run(_release!);
        }
        catch (Exception exception) when (!IsFatal(exception))
        {
            Run(_rollbackToSavepoint!);
            Run(_release!);
            _events.RemoveRange(eventsBefore, _events.Count - eventsBefore);
            operation.RecordFailure(exception);
        }
    }

    internal void Commit()
    {
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
    }

    internal void Rollback()
    {
        try
        {
            _transaction?.Rollback();
        }
        catch (SqliteException)
        {
            // The transaction may already be gone with the error that got us here.
        }

        _transaction?.Dispose();
        _transaction = null;
        _events.Clear();
    }

    private SqliteCommand Prepare(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Run(SqliteCommand command)
    {
        command.Transaction = _transaction;
        command.ExecuteNonQuery();
    }
}
