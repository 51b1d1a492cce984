namespace BlazorTasks.Core.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary><c>whsec_…</c> secret that inbound <c>POST /api/webhooks/tasks</c> must be signed with.</summary>
    public string Secret { get; set; } = "";

    /// <summary><c>whsec_…</c> secret that signs outbound callbacks.</summary>
    public string CallbackSecret { get; set; } = "";

    public bool AllowPrivateCallbackTargets { get; set; }

    public int CallbackMaxAttempts { get; set; } = 8;

    public double CallbackRetryBaseSeconds { get; set; } = 5;

    /// <summary>How long one callback delivery may take before it counts as failed.</summary>
    public double CallbackTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How often due callback deliveries are looked for besides the wake-ups: a terminal event, and a
    /// timer set for the next delivery that falls due. Only a safety net, so an idle server stays quiet.
    /// </summary>
    public double CallbackPollSeconds { get; set; } = 60;

    /// <summary>Body limit of the inbound webhook.</summary>
    public long MaxBodyBytes { get; set; } = 262_144;
}
