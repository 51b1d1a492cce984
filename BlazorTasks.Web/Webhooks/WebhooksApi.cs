using System.Text.Json;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Web.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Webhooks;

public sealed record WebhookAccepted(bool Ok);

/// <summary>
/// <c>POST /api/webhooks/tasks</c>: external processors (and the simulator) report a task's progress
/// or outcome. The Standard Webhooks signature is checked over the raw bytes before anything is
/// parsed; then the outcome goes through the same state machine as the worker's.
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/webhooks/tasks", ReceiveAsync)
            .WithTags("Webhooks")
            .AllowAnonymous()
            .Accepts<WebhookPayload>("application/json")
            .WithSummary("Report a task's progress or outcome (Standard Webhooks signature required).");
        return app;
    }

    public static async Task<Results<Ok<WebhookAccepted>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request,
        TaskService taskService,
        IOptions<WebhookOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodyBytes;
        var body = await RequestBody.ReadLimitedAsync(request, limit, cancellationToken);
        if (body is null)
        {
            return RequestBody.TooLarge(limit);
        }

        var headers = request.Headers;
        var messageId = headers[StandardWebhook.IdHeader].ToString();
        var verification = new StandardWebhook(options.Value.Secret).Verify(
            messageId,
            headers[StandardWebhook.TimestampHeader].ToString(),
            headers[StandardWebhook.SignatureHeader].ToString(),
            body,
            time.GetUtcNow());
        if (!verification.IsValid)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid webhook signature", detail: verification.Error);
        }

        using var document = RequestBody.TryParse(body, out var malformed);
        if (document is null)
        {
            return malformed!;
        }

        var outcome = ParseOutcome(document.RootElement, out var errors);
        if (outcome is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The webhook body is invalid.");
        }

        var result = await taskService.ApplyAsync(outcome with { WebhookId = messageId }, cancellationToken);
        return result.Status switch
        {
            ApplyStatus.Applied or ApplyStatus.NoOp => TypedResults.Ok(new WebhookAccepted(true)),
            ApplyStatus.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"There is no task '{outcome.TaskId}'."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Transition not allowed", detail: result.Detail),
        };
    }

    private static TaskOutcome? ParseOutcome(JsonElement root, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["The body must be a JSON object."];
            return null;
        }

        Guid taskId = default;
        if (!root.TryGetProperty("taskId", out var idElement) || idElement.ValueKind != JsonValueKind.String || !Guid.TryParse(idElement.GetString(), out taskId))
        {
            errors["taskId"] = ["'taskId' is required: the task's id."];
        }

        TaskState status = default;
        if (!root.TryGetProperty("status", out var statusElement) || statusElement.ValueKind != JsonValueKind.String
            || !TaskStateNames.TryParse(statusElement.GetString(), out status) || status is not (TaskState.Processing or TaskState.Completed or TaskState.Failed))
        {
            errors["status"] = ["'status' must be \"processing\", \"completed\" or \"failed\"."];
        }

        string? error = null;
        if (root.TryGetProperty("error", out var errorElement) && errorElement.ValueKind != JsonValueKind.Null)
        {
            if (errorElement.ValueKind != JsonValueKind.String)
            {
                errors["error"] = ["'error' must be a string."];
            }
            else
            {
                error = errorElement.GetString();
            }
        }

        TaskProgress? progress = null;
        if (root.TryGetProperty("progress", out var progressElement) && progressElement.ValueKind != JsonValueKind.Null)
        {
            progress = ParseProgress(progressElement, errors);
        }

        string? resultJson = null;
        if (root.TryGetProperty("result", out var resultElement) && resultElement.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            resultJson = resultElement.GetRawText();
        }

        if (errors.Count > 0)
        {
            return null;
        }

        return new TaskOutcome(taskId, status) { ResultJson = resultJson, Error = error, Progress = progress };
    }

    private static TaskProgress? ParseProgress(JsonElement element, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("percent", out var percentElement)
            || !percentElement.TryGetInt32(out var percent)
            || percent is < 0 or > 100)
        {
            errors["progress.percent"] = ["'progress.percent' must be a whole number from 0 to 100."];
            return null;
        }

        string? message = null;
        if (element.TryGetProperty("message", out var messageElement) && messageElement.ValueKind != JsonValueKind.Null)
        {
            if (messageElement.ValueKind != JsonValueKind.String)
            {
                errors["progress.message"] = ["'progress.message' must be a string."];
                return null;
            }

            message = messageElement.GetString();
        }

        return new TaskProgress(percent, message);
    }
}
