using System.Text.Json;

namespace BlazorTasks.Core.Handlers;

/// <summary>
/// No local work: the task stays processing until an external processor posts its outcome to the
/// signed webhook; it fails with "timed out waiting for callback" after <c>timeoutSeconds</c>.
/// </summary>
public sealed class ExternalTaskHandler : ITaskHandler
{
    public const string TypeName = "external";

    public string Type => TypeName;

    public string Description => "Waits for an external processor to report the outcome through the signed webhook.";

    public IReadOnlyList<TaskPayloadField> Fields { get; } =
    [
        new("timeoutSeconds", "integer", false, "Seconds to wait for the callback (1–604800).", "600"),
        new("*", "any", false, "Any other JSON, passed on to the external processor."),
    ];

    public IReadOnlyDictionary<string, string[]> Validate(JsonElement payload) => Read(payload).Errors;

    public Task<TaskHandlerResult> RunAsync(TaskRunContext context, CancellationToken cancellationToken)
    {
        var reader = Read(context.Payload);
        return Task.FromResult(TaskHandlerResult.WaitForCallback(TimeSpan.FromSeconds(reader.Int("timeoutSeconds", 600, 1, 604_800))));
    }

    private static PayloadReader Read(JsonElement payload)
    {
        var reader = new PayloadReader(payload);
        reader.Int("timeoutSeconds", 600, 1, 604_800);
        return reader;
    }
}
