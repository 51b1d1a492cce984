using BlazorTasks.Core.Events;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Processing;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The task pipeline: storage (EF Core reads, one batching writer), the event hub, the queue,
    /// the worker and sweeper, and the built-in task types. Options must be bound by the host.
    /// The writer is registered first so that it is the last hosted service to stop (it drains).
    /// </summary>
    public static IServiceCollection AddTaskPipeline(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>();
        services.AddOptions<TaskOptions>();
        services.AddOptions<EventOptions>();
        services.AddOptions<WebhookOptions>();
        services.AddSingleton(TimeProvider.System);

        services.AddDbContextFactory<TasksDbContext>((provider, options) =>
            options.UseSqlite(
                provider.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString,
                sqlite => sqlite.MigrationsHistoryTable(TasksDbContext.MigrationsHistoryTable)));

        services.AddSingleton<TaskEventHub>();
        services.AddSingleton<TaskEventLog>();
        services.AddSingleton<TaskWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<TaskWriter>());
        services.AddSingleton<TaskQueue>();
        services.AddSingleton<RunningTasks>();
        services.AddSingleton<TaskWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<TaskWorker>());
        services.AddSingleton<TaskSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<TaskSweeper>());

        services.AddSingleton<TaskHandlerRegistry>();
        services.AddSingleton<TaskService>();
        services.AddHttpClient();
        services.AddSingleton<SelfWebhookClient>();
        services.AddTaskHandler<SimulatedTaskHandler>();
        services.AddTaskHandler<ExternalTaskHandler>();
        return services;
    }

    public static IServiceCollection AddTaskHandler<THandler>(this IServiceCollection services)
        where THandler : class, ITaskHandler
    {
        services.AddScoped<THandler>();
        services.AddTransient<ITaskHandler, THandler>();
        return services;
    }
}
