using System.Text.Json;

namespace BlazorTasks.Core.Tasks;

public sealed record TaskProgress(int Percent, string? Message);

/// <summary>The task object of the HTTP API (and what components show).</summary>
public sealed record TaskView(
    Guid TaskId,
    string Type,
    TaskState Status,
    TaskProgress? Progress,
    JsonElement Payload,
    JsonElement? Result,
    int Attempt,
    int MaxAttempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>Set when the task has a downloadable file.</summary>
    public string? ArtifactUrl { get; init; }

    /// <summary>The caller-supplied callback URL, if any.</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>Owner's user id; not serialized to callers other than admins' views in the UI.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string OwnerId { get; init; } = "";

    /// <summary>The error message when <see cref="Status"/> is failed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Error =>
        Result is { ValueKind: JsonValueKind.Object } result && result.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
            ? error.GetString()
            : null;

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan? Duration => StartedAt is { } started && CompletedAt is { } completed ? completed - started : null;
}

public static class TaskViewMapping
{
    public static TaskView AsView(this TaskRecord task) =>
        new(
            task.Id,
            task.Type,
            task.Status,
            task.ProgressPercent is { } percent ? new TaskProgress(percent, task.ProgressMessage) : null,
            ParseJson(task.PayloadJson) ?? default,
            ParseJson(task.ResultJson),
            task.Attempt,
            task.MaxAttempts,
            task.CreatedAt,
            task.StartedAt,
            task.CompletedAt)
        {
            ArtifactUrl = task.ArtifactPath is null ? null : $"/api/tasks/{task.Id}/artifact",
            CallbackUrl = task.CallbackUrl,
            OwnerId = task.OwnerId,
        };

    private static JsonElement? ParseJson(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
