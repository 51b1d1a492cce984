using BlazorTasks.Core;
using BlazorTasks.Core.Processing;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Web.Webhooks;

namespace BlazorTasks.Web.Tasks;

public static class TaskProcessingSetup
{
    /// <summary>The task pipeline from BlazorTasks.Core, bound to this host's configuration.</summary>
    public static WebApplicationBuilder AddTaskProcessing(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddTaskPipeline();
        services.AddOptions<TaskOptions>().BindConfiguration(TaskOptions.Section)
            .Validate(o => o.Workers is >= 1 and <= 1024, "Tasks:Workers must be from 1 to 1024.")
            .Validate(o => o.LeaseSeconds > 0 && o.SweepSeconds > 0, "Tasks:LeaseSeconds and Tasks:SweepSeconds must be positive.")
            .ValidateOnStart();
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section)
            .Validate(o => o.HeartbeatSeconds > 0, "Events:HeartbeatSeconds must be positive.")
            .ValidateOnStart();
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.Secret.StartsWith(StandardWebhook.SecretPrefix, StringComparison.Ordinal), "Webhooks:Secret must be a whsec_… secret.")
            .ValidateOnStart();
        services.AddOptions<TaskApiOptions>().BindConfiguration(TaskApiOptions.Section)
            .Validate(o => o.MaxRequestBodyBytes > 0, "Limits:MaxRequestBodyBytes must be positive.")
            .ValidateOnStart();
        services.AddSingleton<Events.HeartbeatClock>();
        services.AddSelfWebhookClient();
        return builder;
    }
}
