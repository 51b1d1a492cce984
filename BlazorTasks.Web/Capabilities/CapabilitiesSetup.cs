using BlazorTasks.Core.Capabilities;
using BlazorTasks.Core.Webhooks;

namespace BlazorTasks.Web.Capabilities;

public static class CapabilitiesSetup
{
    /// <summary>Callbacks, retention, report/export task types, per-user limits, bound to this host's configuration.</summary>
    public static WebApplicationBuilder AddCapabilities(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddTaskCapabilities();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.RetentionDays >= 0 && o.CleanupMinutes > 0, "Tasks:RetentionDays must be ≥ 0 and Tasks:CleanupMinutes positive.")
            .ValidateOnStart();
        services.AddOptions<WebhookOptions>()
            .Validate(o => o.CallbackSecret.StartsWith(StandardWebhook.SecretPrefix, StringComparison.Ordinal), "Webhooks:CallbackSecret must be a whsec_… secret.")
            .Validate(o => o.CallbackMaxAttempts >= 1 && o.CallbackRetryBaseSeconds > 0 && o.CallbackTimeoutSeconds > 0 && o.CallbackPollSeconds > 0,
                "Webhooks:CallbackMaxAttempts must be ≥ 1; CallbackRetryBaseSeconds, CallbackTimeoutSeconds and CallbackPollSeconds positive.");
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section)
            .Validate(o => o.TaskCreatesPerMinute >= 1 && o.MaxPendingTasksPerUser >= 1 && o.MaxEventStreamsPerUser >= 1, "Limits:* must be at least 1.")
            .ValidateOnStart();
        services.AddTaskRateLimits();
        services.AddSingleton<PendingTaskQuota>();
        services.AddSingleton<EventStreamTracker>();
        return builder;
    }
}
