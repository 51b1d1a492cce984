using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Processing;
using BlazorTasks.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Tasks;

/// <summary>Who is asking: a user, whether they are an admin, and whether they asked for everyone's tasks.</summary>
public sealed record UserScope(string UserId, bool IsAdmin = false, bool AllUsers = false)
{
    /// <summary>The owner to filter on, or null when an admin asked for everyone's.</summary>
    public string? OwnerFilter => IsAdmin && AllUsers ? null : UserId;

    public bool CanSee(string ownerId) => IsAdmin || string.Equals(ownerId, UserId, StringComparison.Ordinal);
}

public sealed record CreateTaskCommand(string Type, JsonElement Payload)
{
    public string? CallbackUrl { get; init; }
}

public sealed record TaskQuery(TaskState? Status = null, string? Type = null, int Page = 1, int PageSize = 20)
{
    /// <summary>A whole task id, or part of a type name.</summary>
    public string? Search { get; init; }

    /// <summary>Sort column: createdAt (default), startedAt, completedAt, status, type.</summary>
    public string? SortBy { get; init; }

    public bool Descending { get; init; } = true;
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public abstract record CreateTaskResult
{
    private CreateTaskResult()
    {
    }

    public sealed record Created(TaskView Task) : CreateTaskResult;

    public sealed record UnknownType(string Type, IReadOnlyList<string> KnownTypes) : CreateTaskResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : CreateTaskResult;

    /// <summary>The same Idempotency-Key and body again: the task the first request created.</summary>
    public sealed record Replayed(TaskView Task) : CreateTaskResult;

    /// <summary>The Idempotency-Key was used before with a different body (422).</summary>
    public sealed record KeyReused(string Key) : CreateTaskResult;
}

/// <summary>
/// What components and endpoints call to create, read and complete tasks. Writes go through the
/// single <see cref="TaskWriter"/>; reads use a short-lived <see cref="TasksDbContext"/> each.
/// </summary>
public sealed class TaskService(
    TaskWriter writer,
    TaskQueue queue,
    RunningTasks running,
    TaskHandlerRegistry handlers,
    IDbContextFactory<TasksDbContext> dbFactory,
    IOptions<TaskOptions> options,
    TimeProvider time)
{
    public const int MaxPageSize = 100;

    private static readonly Lock IdGate = new();
    private static Guid _lastId;

    public IReadOnlyCollection<ITaskHandler> Types => handlers.All;

    /// <summary>Validates, commits the pending row and its task-created event, then wakes a worker.</summary>
    public async Task<CreateTaskResult> CreateAsync(string ownerId, CreateTaskCommand command, CancellationToken cancellationToken = default)
    {
        var checkedCommand = Validate(command, out var rejection);
        if (checkedCommand is null)
        {
            return rejection!;
        }

        var task = NewTask(ownerId, command);
        await writer.RunAsync(context => TaskStore.Insert(context, task), cancellationToken);
        queue.Enqueue(task.Id);
        return new CreateTaskResult.Created(task.AsView());
    }

    /// <summary>
    /// Like <see cref="CreateAsync(string, CreateTaskCommand, CancellationToken)"/>, with an optional
    /// Idempotency-Key: the key check and the insert run in one write operation, so concurrent duplicates
    /// create one task (callers refuse a duplicate that is still in flight with <see cref="IdempotencyInFlight"/>).
    /// </summary>
    public async Task<CreateTaskResult> CreateAsync(
        string ownerId, CreateTaskCommand command, IdempotencyRequest? idempotency, CancellationToken cancellationToken = default)
    {
        if (idempotency is null)
        {
            return await CreateAsync(ownerId, command, cancellationToken);
        }

        if (Validate(command, out var rejection) is null)
        {
            return rejection!;
        }

        var task = NewTask(ownerId, command);
        var inserted = await writer.RunAsync(context => IdempotencyStore.InsertOnce(context, ownerId, idempotency, task), cancellationToken);
        switch (inserted.Status)
        {
            case IdempotentInsertStatus.Inserted:
                queue.Enqueue(task.Id);
                return new CreateTaskResult.Created(task.AsView());
            case IdempotentInsertStatus.Replay when await GetAsync(inserted.TaskId, new UserScope(ownerId), cancellationToken) is { } original:
                return new CreateTaskResult.Replayed(original);
            default:
                return new CreateTaskResult.KeyReused(idempotency.Key);
        }
    }

    /// <summary>Checks the type and payload; returns null and the reason when the command is rejected.</summary>
    public CreateTaskCommand? Validate(CreateTaskCommand command, out CreateTaskResult? rejection)
    {
        rejection = null;
        if (!handlers.TryGet(command.Type, out var handler))
        {
            rejection = new CreateTaskResult.UnknownType(command.Type, handlers.Names.ToList());
            return null;
        }

        var errors = handler.Validate(command.Payload);
        if (errors.Count > 0)
        {
            rejection = new CreateTaskResult.Invalid(errors.ToDictionary(e => "payload." + e.Key, e => e.Value));
            return null;
        }

        return command;
    }

    /// <summary>A new pending row for <paramref name="command"/> (not yet written).</summary>
    public TaskRecord NewTask(string ownerId, CreateTaskCommand command) => new()
    {
        Id = NextId(time.GetUtcNow()),
        OwnerId = ownerId,
        Type = command.Type,
        Status = TaskState.Pending,
        PayloadJson = command.Payload.ValueKind == JsonValueKind.Undefined ? "{}" : command.Payload.GetRawText(),
        Attempt = 1,
        MaxAttempts = options.Value.MaxAttemptsFor(command.Type),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()),
        CallbackUrl = command.CallbackUrl,
    };

    /// <summary>
    /// Version 7 ids that keep increasing within one millisecond too, so that "newest first" (created
    /// time, then id) holds for tasks created in the same millisecond.
    /// </summary>
    private static Guid NextId(DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        lock (IdGate)
        {
            if (id.CompareTo(_lastId) <= 0)
            {
                Span<byte> bytes = stackalloc byte[16];
                _lastId.TryWriteBytes(bytes, bigEndian: true, out _);
                for (var i = 15; i >= 8 && ++bytes[i] == 0; i--)
                {
                }

                id = new Guid(bytes, bigEndian: true);
            }

            _lastId = id;
            return id;
        }
    }

    /// <summary>The task, or null when it does not exist or the caller may not see it.</summary>
    public async Task<TaskView?> GetAsync(Guid taskId, UserScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, cancellationToken);
        return task is not null && scope.CanSee(task.OwnerId) ? task.AsView() : null;
    }

    /// <summary>The owner of a task, or null when it does not exist.</summary>
    public async Task<string?> GetOwnerAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Tasks.AsNoTracking().Where(t => t.Id == taskId).Select(t => t.OwnerId).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<PagedResult<TaskView>> ListAsync(UserScope scope, TaskQuery query, CancellationToken cancellationToken = default)
    {
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tasks = db.Tasks.AsNoTracking();
        if (scope.OwnerFilter is { } owner)
        {
            tasks = tasks.Where(t => t.OwnerId == owner);
        }

        if (query.Status is { } status)
        {
            tasks = tasks.Where(t => t.Status == status);
        }

        if (!string.IsNullOrEmpty(query.Type))
        {
            tasks = tasks.Where(t => t.Type == query.Type);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim();
            tasks = Guid.TryParse(term, out var id)
                ? tasks.Where(t => t.Id == id)
                : tasks.Where(t => t.Type.Contains(term.ToLowerInvariant()));
        }

        var total = await tasks.CountAsync(cancellationToken);
        tasks = (query.SortBy?.ToLowerInvariant(), query.Descending) switch
        {
            ("startedat", true) => tasks.OrderByDescending(t => t.StartedAt).ThenByDescending(t => t.Id),
            ("startedat", false) => tasks.OrderBy(t => t.StartedAt).ThenBy(t => t.Id),
            ("completedat", true) => tasks.OrderByDescending(t => t.CompletedAt).ThenByDescending(t => t.Id),
            ("completedat", false) => tasks.OrderBy(t => t.CompletedAt).ThenBy(t => t.Id),
            ("status", true) => tasks.OrderByDescending(t => t.Status).ThenByDescending(t => t.CreatedAt),
            ("status", false) => tasks.OrderBy(t => t.Status).ThenByDescending(t => t.CreatedAt),
            ("type", true) => tasks.OrderByDescending(t => t.Type).ThenByDescending(t => t.CreatedAt),
            ("type", false) => tasks.OrderBy(t => t.Type).ThenByDescending(t => t.CreatedAt),
            (_, false) => tasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id),
            _ => tasks.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id),
        };

        // In long: a huge page number must give an empty page, not wrap around to the first one.
        var skip = (long)(page - 1) * pageSize;
        var items = skip > int.MaxValue ? [] : await tasks.Skip((int)skip).Take(pageSize).ToListAsync(cancellationToken);
        return new PagedResult<TaskView>(items.Select(t => t.AsView()).ToList(), page, pageSize, total);
    }

    /// <summary>The one completion path, for workers and webhooks alike.</summary>
    public Task<ApplyResult> ApplyAsync(TaskOutcome outcome, CancellationToken cancellationToken = default)
    {
        outcome = outcome with { CallbackTimeout = outcome.CallbackTimeout ?? TimeSpan.FromSeconds(options.Value.TimeoutSeconds) };
        return writer.RunAsync(context => TaskStore.Apply(context, outcome), cancellationToken);
    }

    /// <summary>
    /// Pending → canceled at once; processing → the running handler is told to stop (the task becomes
    /// canceled when it does); a processing task with no local handler (waiting for a callback) is
    /// canceled at once. Terminal → conflict. Not visible → not found.
    /// </summary>
    public async Task<CancelResult> CancelAsync(Guid taskId, UserScope scope, CancellationToken cancellationToken = default)
    {
        var outcome = await writer.RunAsync(context =>
        {
            var task = TaskStore.Load(context, taskId);
            if (task is null || !scope.CanSee(task.OwnerId))
            {
                return CancelStatus.NotFound;
            }

            if (task.Status.IsTerminal())
            {
                return CancelStatus.Conflict;
            }

            if (task.Status == TaskState.Pending || task.LeaseOwner is null)
            {
                TaskStore.Apply(context, TaskOutcome.Canceled(taskId));
                return CancelStatus.Canceled;
            }

            TaskStore.RequestCancel(context, taskId);
            return CancelStatus.Signalled;
        }, cancellationToken);

        if (outcome == CancelStatus.Signalled)
        {
            running.Cancel(taskId);
        }

        var view = outcome == CancelStatus.NotFound ? null : await GetAsync(taskId, scope, cancellationToken);
        return new CancelResult(outcome, view);
    }

    /// <summary>A failed or canceled task runs again as a new task with the same type and payload.</summary>
    public async Task<RetryResult> RetryAsync(Guid taskId, UserScope scope, CancellationToken cancellationToken = default)
    {
        var original = await GetAsync(taskId, scope, cancellationToken);
        if (original is null)
        {
            return new RetryResult(RetryStatus.NotFound, null);
        }

        if (original.Status is not (TaskState.Failed or TaskState.Canceled))
        {
            return new RetryResult(RetryStatus.Conflict, original);
        }

        var retry = NewTask(original.OwnerId, new CreateTaskCommand(original.Type, original.Payload) { CallbackUrl = original.CallbackUrl });
        retry.RetryOf = original.TaskId;
        await writer.RunAsync(context => TaskStore.Insert(context, retry), cancellationToken);
        queue.Enqueue(retry.Id);
        return new RetryResult(RetryStatus.Created, retry.AsView());
    }
}

public enum CancelStatus
{
    NotFound,
    Conflict,
    Canceled,
    Signalled,
}

public sealed record CancelResult(CancelStatus Status, TaskView? Task);

public enum RetryStatus
{
    NotFound,
    Conflict,
    Created,
}

public sealed record RetryResult(RetryStatus Status, TaskView? Task);
