using System.Security.Claims;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Web.Auth;
using BlazorTasks.Web.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Capabilities;

public sealed class CreateApiKeyRequest
{
    public string? Name { get; set; }
}

/// <summary>Artifact downloads, callback delivery history and personal API keys.</summary>
public static class CapabilitiesApi
{
    public static IEndpointRouteBuilder MapCapabilitiesApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireAuthorization();
        tasks.MapGet("/{taskId}/artifact", DownloadArtifactAsync)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .WithSummary("Download a finished task's file (report CSV, export CSV/JSON).");
        tasks.MapGet("/{taskId}/callbacks", GetCallbacksAsync)
            .WithSummary("The task's callbackUrl delivery state and every delivery attempt.");

        var keys = app.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization();
        keys.MapGet("/", ListKeysAsync).WithSummary("Your API keys (prefix, last use; never the key).");
        keys.MapPost("/", CreateKeyAsync).WithSummary("Create a named API key; the key is in this answer only.");
        keys.MapDelete("/{keyId}", RevokeKeyAsync).WithSummary("Revoke one of your API keys.");
        return app;
    }

    public static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> DownloadArtifactAsync(
        string taskId,
        ClaimsPrincipal user,
        IDbContextFactory<TasksDbContext> dbFactory,
        IOptions<StorageOptions> storage,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(taskId, out var id))
        {
            return TasksApi.TaskNotFound(taskId);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.Tasks.AsNoTracking()
            .Where(t => t.Id == id)
            .Select(t => new { t.OwnerId, t.Status, t.ArtifactPath, t.ArtifactContentType, t.ArtifactFileName })
            .FirstOrDefaultAsync(cancellationToken);
        if (task is null || !user.ToScope().CanSee(task.OwnerId))
        {
            return TasksApi.TaskNotFound(taskId);
        }

        var path = task.Status == TaskState.Completed && task.ArtifactPath is { } relative ? Artifacts.FullPath(storage.Value, relative) : null;
        if (path is null || !File.Exists(path))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No artifact",
                detail: $"Task '{taskId}' has no downloadable file (only completed report and export tasks have one).");
        }

        return TypedResults.PhysicalFile(path, task.ArtifactContentType ?? "application/octet-stream", task.ArtifactFileName ?? Path.GetFileName(path));
    }

    public static async Task<Results<Ok<CallbackDeliveryView>, ProblemHttpResult>> GetCallbacksAsync(
        string taskId, ClaimsPrincipal user, CallbackDeliveries deliveries, CancellationToken cancellationToken)
    {
        var view = Guid.TryParse(taskId, out var id) ? await deliveries.GetAsync(id, user.ToScope(), cancellationToken) : null;
        return view is null ? TasksApi.TaskNotFound(taskId) : TypedResults.Ok(view);
    }

    public static async Task<Ok<IReadOnlyList<ApiKeyInfo>>> ListKeysAsync(ClaimsPrincipal user, ApiKeyService apiKeys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await apiKeys.ListAsync(user.UserId(), cancellationToken));

    public static async Task<Results<Created<ApiKeyCreated>, ValidationProblem>> CreateKeyAsync(
        CreateApiKeyRequest request, ClaimsPrincipal user, ApiKeyService apiKeys, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > ApiKeyService.MaxNameLength)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["name"] = [$"'name' is required, 1 to {ApiKeyService.MaxNameLength} characters."] },
                title: "The API key request is invalid.");
        }

        var created = await apiKeys.CreateAsync(user.UserId(), name, cancellationToken);
        return TypedResults.Created($"/api/api-keys/{created.Id}", created);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(
        string keyId, ClaimsPrincipal user, ApiKeyService apiKeys, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(keyId, out var id) && await apiKeys.RevokeAsync(user.UserId(), id, cancellationToken))
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "API key not found", detail: $"You have no active API key '{keyId}'.");
    }
}
