using System.Security.Claims;
using System.Text.Json;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Web.Auth;
using BlazorTasks.Web.Capabilities;
using BlazorTasks.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Tasks;

/// <summary>Response of <c>POST /api/tasks</c> (and of a retry).</summary>
public sealed record TaskCreatedResponse(Guid TaskId, TaskState Status, string StatusUrl, string EventsUrl);

/// <summary>Body of <c>POST /api/tasks</c>; documented for OpenAPI, parsed by hand for precise errors.</summary>
public sealed class CreateTaskRequest
{
    public string Type { get; set; } = "";
    public JsonElement? Payload { get; set; }
    public string? CallbackUrl { get; set; }
}

public sealed class TaskApiOptions
{
    public const string Section = "Limits";

    /// <summary>Body limit of the task API (413 past it).</summary>
    public long MaxRequestBodyBytes { get; set; } = 262_144;
}

public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireAuthorization();

        tasks.MapPost("/", CreateAsync)
            .AddEndpointFilter<TaskCreateRateLimitFilter>()
            .Accepts<CreateTaskRequest>("application/json")
            .WithSummary("Create a task; answers 202 once its pending row is committed.");
        tasks.MapGet("/", ListAsync).WithSummary("The caller's tasks, newest first.");
        tasks.MapGet("/{taskId}", GetAsync).WithSummary("One task, with its result once finished.");
        tasks.MapPost("/{taskId}/cancel", CancelAsync).WithSummary("Cancel a pending or processing task.");
        tasks.MapPost("/{taskId}/retry", RetryAsync).AddEndpointFilter<TaskCreateRateLimitFilter>().WithSummary("Run a failed or canceled task again, as a new task.");

        app.MapGet("/api/task-types", ListTypes).WithTags("Tasks").RequireAuthorization()
            .WithSummary("The task types this server runs, with their payload fields.");
        return app;
    }

    public static async Task<Results<Accepted<TaskCreatedResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request,
        ClaimsPrincipal user,
        TaskService taskService,
        IOptions<TaskApiOptions> options,
        IOptions<WebhookOptions> webhookOptions,
        PendingTaskQuota pendingQuota,
        IdempotencyInFlight inFlight,
        CancellationToken cancellationToken)
    {
        if (!RequestBody.IsJson(request))
        {
            return RequestBody.UnsupportedMediaType();
        }

        string? idempotencyKey = null;
        if (request.Headers.TryGetValue(IdempotencyRequest.Header, out var keyValues))
        {
            idempotencyKey = keyValues.Count == 1 ? keyValues[0] : null;
            if (!IdempotencyRequest.IsValidKey(idempotencyKey))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Invalid Idempotency-Key",
                    detail: $"Idempotency-Key must be one value of 1 to {IdempotencyRequest.MaxLength} printable ASCII characters.");
            }
        }

        // Held until this request is answered: the same key meanwhile is a 409, not a second task.
        using var idempotencyEntry = idempotencyKey is null ? null : inFlight.TryEnter(user.UserId(), idempotencyKey);
        if (idempotencyKey is not null && idempotencyEntry is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Request in progress",
                detail: "A request with this Idempotency-Key is still being processed; retry after it finishes.");
        }

        var limit = options.Value.MaxRequestBodyBytes;
        var body = await RequestBody.ReadLimitedAsync(request, limit, cancellationToken);
        if (body is null)
        {
            return RequestBody.TooLarge(limit);
        }

        using var document = RequestBody.TryParse(body, out var malformed);
        if (document is null)
        {
            return malformed!;
        }

        var parsed = ParseCreate(document.RootElement, out var errors);
        if (parsed is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The task request is invalid.");
        }

        if (parsed.CallbackUrl is { } callbackUrl
            && CallbackTargetPolicy.CheckUrl(new Uri(callbackUrl), webhookOptions.Value.AllowPrivateCallbackTargets) is { } refusal)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["callbackUrl"] = [refusal] }, title: "The callback URL is not allowed.");
        }

        if (!await pendingQuota.TryReserveAsync(user.UserId(), cancellationToken))
        {
            return PendingQuotaExceeded(request.HttpContext);
        }

        var idempotency = idempotencyKey is null ? null : new IdempotencyRequest(idempotencyKey, IdempotencyRequest.Hash(body));
        var result = await taskService.CreateAsync(user.UserId(), parsed, idempotency, cancellationToken);
        return result switch
        {
            CreateTaskResult.Created created => Accepted(request.HttpContext, created.Task),
            CreateTaskResult.Replayed replayed => Replayed(request.HttpContext, replayed.Task),
            CreateTaskResult.KeyReused => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency-Key reused",
                detail: "This Idempotency-Key was already used with a different request body."),
            CreateTaskResult.UnknownType unknown => UnknownType(unknown),
            CreateTaskResult.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors, title: "The payload is invalid for this task type."),
            _ => throw new InvalidOperationException($"Unexpected create result {result}."),
        };
    }

    public static async Task<Results<Ok<PagedResult<TaskView>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user,
        TaskService taskService,
        string? status,
        string? type,
        string? page,
        string? pageSize,
        string? scope,
        string? search,
        string? sortBy,
        string? sortDirection,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        TaskState? state = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (TaskStateNames.TryParse(status, out var parsedState))
            {
                state = parsedState;
            }
            else
            {
                errors["status"] = ["Use one of: pending, processing, completed, failed, canceled."];
            }
        }

        var pageNumber = ParseInt(page, 1, 1, int.MaxValue, "page", errors);
        var size = ParseInt(pageSize, 20, 1, TaskService.MaxPageSize, "pageSize", errors);
        if (scope is not null && !string.Equals(scope, "all", StringComparison.OrdinalIgnoreCase) && !string.Equals(scope, "mine", StringComparison.OrdinalIgnoreCase))
        {
            errors["scope"] = ["Use 'all' (admins) or 'mine'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query is invalid.");
        }

        var userScope = user.ToScope(scope);
        if (userScope.AllUsers && !userScope.IsAdmin)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only admins may list everyone's tasks (scope=all).");
        }

        var query = new TaskQuery(state, type, pageNumber, size)
        {
            Search = search,
            SortBy = sortBy,
            Descending = !string.Equals(sortDirection, "asc", StringComparison.OrdinalIgnoreCase),
        };
        return TypedResults.Ok(await taskService.ListAsync(userScope, query, cancellationToken));
    }

    public static async Task<Results<Ok<TaskView>, ProblemHttpResult>> GetAsync(
        string taskId, ClaimsPrincipal user, TaskService taskService, CancellationToken cancellationToken)
    {
        var task = Guid.TryParse(taskId, out var id) ? await taskService.GetAsync(id, user.ToScope(), cancellationToken) : null;
        return task is null ? TaskNotFound(taskId) : TypedResults.Ok(task);
    }

    public static async Task<Results<Ok<TaskView>, Accepted<TaskView>, ProblemHttpResult>> CancelAsync(
        string taskId, ClaimsPrincipal user, TaskService taskService, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(taskId, out var id))
        {
            return TaskNotFound(taskId);
        }

        var result = await taskService.CancelAsync(id, user.ToScope(), cancellationToken);
        return result.Status switch
        {
            CancelStatus.Canceled => TypedResults.Ok(result.Task!),
            CancelStatus.Signalled => TypedResults.Accepted($"/api/tasks/{id}", result.Task!),
            CancelStatus.Conflict => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Task already finished",
                detail: $"The task is {result.Task?.Status.ToWire()}; only pending or processing tasks can be canceled."),
            _ => TaskNotFound(taskId),
        };
    }

    public static async Task<Results<Accepted<TaskCreatedResponse>, ProblemHttpResult>> RetryAsync(
        string taskId, HttpContext context, TaskService taskService, PendingTaskQuota pendingQuota, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(taskId, out var id))
        {
            return TaskNotFound(taskId);
        }

        if (!await pendingQuota.TryReserveAsync(context.User.UserId(), cancellationToken))
        {
            return PendingQuotaExceeded(context);
        }

        var result = await taskService.RetryAsync(id, context.User.ToScope(), cancellationToken);
        return result.Status switch
        {
            RetryStatus.Created => Accepted(context, result.Task!),
            RetryStatus.Conflict => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Task cannot be retried",
                detail: $"The task is {result.Task?.Status.ToWire()}; only failed or canceled tasks can be retried."),
            _ => TaskNotFound(taskId),
        };
    }

    public static Ok<IEnumerable<TaskTypeInfo>> ListTypes(TaskService taskService) =>
        TypedResults.Ok(taskService.Types
            .OrderBy(t => t.Type, StringComparer.Ordinal)
            .Select(t => new TaskTypeInfo(t.Type, t.Description, t.Fields.Select(f => new TaskTypeField(f.Name, f.Type, f.Required, f.Description, f.Default)).ToList())));

    public static ProblemHttpResult TaskNotFound(string taskId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"There is no task '{taskId}' that you can see.");

    /// <summary>202 with Location and Retry-After (a polling hint from the payload's expected duration).</summary>
    internal static Accepted<TaskCreatedResponse> Accepted(HttpContext context, TaskView task)
    {
        var statusUrl = $"/api/tasks/{task.TaskId}";
        context.Response.Headers.RetryAfter = RetryAfterSeconds(task).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Accepted(statusUrl, new TaskCreatedResponse(task.TaskId, task.Status, statusUrl, $"{statusUrl}/events"));
    }

    /// <summary>The same Idempotency-Key and body again: the original 202 answer, marked as a replay.</summary>
    private static Accepted<TaskCreatedResponse> Replayed(HttpContext context, TaskView task)
    {
        context.Response.Headers["Idempotent-Replayed"] = "true";
        return Accepted(context, task with { Status = TaskState.Pending });
    }

    private static ProblemHttpResult PendingQuotaExceeded(HttpContext context) =>
        TaskLimits.TooManyRequests(
            context,
            TimeSpan.FromSeconds(5),
            "Too many unfinished tasks",
            $"You may have at most {context.RequestServices.GetRequiredService<IOptions<LimitOptions>>().Value.MaxPendingTasksPerUser} pending or processing tasks; wait for some to finish.");

    private static int RetryAfterSeconds(TaskView task) =>
        task.Payload.ValueKind == JsonValueKind.Object
        && task.Payload.TryGetProperty("durationMs", out var duration)
        && duration.TryGetInt32(out var milliseconds)
            ? Math.Clamp((int)Math.Ceiling(milliseconds / 1000.0), 1, 60)
            : 1;

    private static ProblemHttpResult UnknownType(CreateTaskResult.UnknownType unknown) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Unknown task type",
            detail: $"There is no task type '{unknown.Type}'. Known types: {string.Join(", ", unknown.KnownTypes)}.",
            extensions: new Dictionary<string, object?>
            {
                ["knownTypes"] = unknown.KnownTypes,
                ["errors"] = new Dictionary<string, string[]> { ["type"] = [$"Unknown type '{unknown.Type}'. Known types: {string.Join(", ", unknown.KnownTypes)}."] },
            });

    private static CreateTaskCommand? ParseCreate(JsonElement root, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["The body must be a JSON object like {\"type\": \"simulated\", \"payload\": {}}."];
            return null;
        }

        string? type = null;
        if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(typeElement.GetString()))
        {
            errors["type"] = ["'type' is required: a task type name such as \"simulated\"."];
        }
        else
        {
            type = typeElement.GetString();
        }

        var payload = JsonSerializer.SerializeToElement(new { });
        if (root.TryGetProperty("payload", out var payloadElement) && payloadElement.ValueKind != JsonValueKind.Null)
        {
            if (payloadElement.ValueKind != JsonValueKind.Object)
            {
                errors["payload"] = ["'payload' must be a JSON object."];
            }
            else
            {
                payload = payloadElement.Clone();
            }
        }

        string? callbackUrl = null;
        if (root.TryGetProperty("callbackUrl", out var callbackElement) && callbackElement.ValueKind != JsonValueKind.Null)
        {
            if (callbackElement.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(callbackElement.GetString(), UriKind.Absolute, out var callbackUri)
                || callbackUri.Scheme is not ("http" or "https"))
            {
                errors["callbackUrl"] = ["'callbackUrl' must be an absolute http or https URL."];
            }
            else
            {
                callbackUrl = callbackUri.AbsoluteUri;
            }
        }

        return errors.Count > 0 ? null : new CreateTaskCommand(type!, payload) { CallbackUrl = callbackUrl };
    }

    private static int ParseInt(string? value, int defaultValue, int min, int max, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return defaultValue;
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            errors[name] = [max == int.MaxValue ? $"'{name}' must be a whole number ≥ {min}." : $"'{name}' must be a whole number from {min} to {max}."];
            return defaultValue;
        }

        return number;
    }
}

public sealed record TaskTypeInfo(string Type, string Description, IReadOnlyList<TaskTypeField> Fields);

public sealed record TaskTypeField(string Name, string Type, bool Required, string Description, string? Default);
