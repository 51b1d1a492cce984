using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace BlazorTasks.Web.Hosting;

/// <summary>Cross-cutting HTTP pieces: problem details everywhere, JSON shape, OpenAPI, health checks.</summary>
public static class ApiPlumbing
{
    public static WebApplicationBuilder AddApiPlumbing(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options =>
            options.CustomizeProblemDetails = context =>
            {
                context.ProblemDetails.Type ??= $"https://httpstatuses.io/{context.ProblemDetails.Status}";
                context.ProblemDetails.Extensions.Remove("traceId");
            });
        builder.Services.ConfigureHttpJsonOptions(options => TaskJson.Configure(options.SerializerOptions));
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<TasksDbContext>("database", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// API paths get problem+json for every error (including empty 401/404/405 responses); browser
    /// paths get the app's not-found page.
    /// </summary>
    public static WebApplication UseProblemDetailsForApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/health"),
            api => api.UseStatusCodePages());
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/health"),
            pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        return app;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }
}
