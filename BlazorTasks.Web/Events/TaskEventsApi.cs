using System.Security.Claims;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Processing;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Web.Auth;
using BlazorTasks.Web.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BlazorTasks.Web.Events;

/// <summary>
/// The public Server-Sent-Events endpoints. Events come from the in-process hub; a client that sends
/// <c>Last-Event-ID</c> first gets what it missed from the event log (which survives restarts), then
/// live events, with ids deduplicated at the seam.
/// </summary>
public static class TaskEventsApi
{
    public static IEndpointRouteBuilder MapTaskEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/tasks").WithTags("Events").RequireAuthorization();
        events.AddEndpointFilter<Capabilities.EventStreamLimitFilter>(); // per-user cap on open streams (429)
        events.MapGet("/events", StreamAllAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Live events of the caller's tasks (admins: scope=all for everyone's).");
        events.MapGet("/{taskId}/events", StreamTaskAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithSummary("Live events of one task; the stream ends after its terminal event.");
        return app;
    }

    public static Results<EventStreamResult, ProblemHttpResult> StreamAllAsync(
        HttpContext context,
        ClaimsPrincipal user,
        string? scope,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = "Last-Event-ID")] string? lastEventId)
    {
        var userScope = user.ToScope(scope);
        if (userScope.AllUsers && !userScope.IsAdmin)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only admins may follow everyone's events (scope=all).");
        }

        if (!TryParseLastEventId(lastEventId, out var after, out var problem))
        {
            return problem!;
        }

        var filter = userScope.OwnerFilter is { } owner ? EventFilter.ForOwner(owner) : EventFilter.All;
        return new EventStreamResult(filter, after, endAfterTerminal: false);
    }

    public static async Task<Results<EventStreamResult, NoContent, ProblemHttpResult>> StreamTaskAsync(
        string taskId,
        ClaimsPrincipal user,
        TaskService taskService,
        TaskEventLog log,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        CancellationToken cancellationToken)
    {
        var task = Guid.TryParse(taskId, out var id) ? await taskService.GetAsync(id, user.ToScope(), cancellationToken) : null;
        if (task is null)
        {
            return TasksApi.TaskNotFound(taskId);
        }

        if (!TryParseLastEventId(lastEventId, out var after, out var problem))
        {
            return problem!;
        }

        // A client that already saw a finished task's final event (EventSource reconnects after the
        // stream ends) gets 204, which tells it to stop reconnecting, instead of an idle stream forever.
        if (after is { } seen && task.Status.IsTerminal()
            && (await log.ReadLastAsync(id, cancellationToken) is not { } last || last.Id <= seen))
        {
            return TypedResults.NoContent();
        }

        // Without Last-Event-ID a live task's stream starts from its first event, so a client that
        // connects just after the 202 still sees task-created; a finished task gets its final event only.
        return new EventStreamResult(EventFilter.ForTask(id), after ?? 0, endAfterTerminal: true)
        {
            FinalEventOnly = after is null && task.Status.IsTerminal(),
        };
    }

    private static bool TryParseLastEventId(string? value, out long? after, out ProblemHttpResult? problem)
    {
        after = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (long.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            after = parsed;
            return true;
        }

        problem = TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid Last-Event-ID", detail: "Last-Event-ID must be an event id (a non-negative integer).");
        return false;
    }
}

/// <summary>
/// Writes a <c>text/event-stream</c> response until the client leaves (or the task ends). Live events and
/// heartbeats are written by the hub's partitions through an <see cref="SseSink"/>; this only writes the
/// preamble and what the event log holds, and steps in when the sink needs it.
/// </summary>
public sealed class EventStreamResult(EventFilter filter, long? after, bool endAfterTerminal) : IResult
{
    private const int BacklogPage = 500;

    public bool FinalEventOnly { get; init; }

    public async Task ExecuteAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var hub = services.GetRequiredService<TaskEventHub>();
        var log = services.GetRequiredService<TaskEventLog>();
        _ = services.GetRequiredService<HeartbeatClock>(); // Started by the first stream.
        var cancellationToken = context.RequestAborted;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();

        var writer = new SseWriter(response);
        try
        {
            await writer.WritePreambleAsync(cancellationToken);

            if (FinalEventOnly)
            {
                if (await log.ReadLastAsync(filter.TaskId!.Value, cancellationToken) is { } last)
                {
                    writer.WriteEvent(last);
                    await writer.FlushAsync(cancellationToken);
                }

                return;
            }

            var lastId = after ?? 0;
            var body = response.BodyWriter;
            while (!cancellationToken.IsCancellationRequested)
            {
                // Attach before reading the log, so nothing committed in between is missed; events seen
                // in both are dropped by id.
                var sink = new SseSink(filter, body, endAfterTerminal, lastId, TaskEventHub.DefaultBufferSize);
                hub.Attach(sink);
                SseSink.End end;
                try
                {
                    if (after is not null)
                    {
                        var (caughtUp, ended) = await CatchUpAsync(log, writer, lastId, cancellationToken);
                        if (ended)
                        {
                            return;
                        }

                        sink.CaughtUp(caughtUp);
                    }

                    after ??= lastId;
                    end = await sink.RunAsync(cancellationToken);
                }
                finally
                {
                    hub.Detach(sink);
                    sink.Close();
                }

                lastId = sink.LastId;
                if (end != SseSink.End.Overflowed)
                {
                    return; // Ended after the task's terminal event, or the client went away.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<(long LastId, bool Ended)> CatchUpAsync(TaskEventLog log, SseWriter writer, long lastId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var missed = await log.ReadAfterAsync(filter, lastId, BacklogPage, cancellationToken);
            foreach (var taskEvent in missed)
            {
                writer.WriteEvent(taskEvent);
                lastId = taskEvent.Id;
                if (endAfterTerminal && taskEvent.Data.Status.IsTerminal())
                {
                    await writer.FlushAsync(cancellationToken);
                    return (lastId, true);
                }
            }

            await writer.FlushAsync(cancellationToken);
            if (missed.Count < BacklogPage)
            {
                return (lastId, false);
            }
        }
    }
}
