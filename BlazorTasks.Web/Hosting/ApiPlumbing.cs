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
                if (context.ProblemDetails is not HttpValidationProblemDetails)
                {
                    context.ProblemDetails.Detail ??= DefaultDetail(context.ProblemDetails.Status);
                }
            });
        builder.Services.ConfigureHttpJsonOptions(options => TaskJson.Configure(options.SerializerOptions));
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<TasksDbContext>("database", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Every problem has a detail, including the bodiless ones written by status code pages
    /// (authentication challenges, unmatched routes, content-type mismatches).
    /// </summary>
    private static string DefaultDetail(int? status) => status switch
    {
        StatusCodes.Status401Unauthorized => "Authentication is required: send 'Authorization: Bearer <token>' (from /api/auth/login), an API key or the sign-in cookie.",
        StatusCodes.Status403Forbidden => "You are signed in but not allowed to do this.",
        StatusCodes.Status404NotFound => "There is nothing at this address.",
        StatusCodes.Status405MethodNotAllowed => "This address does not accept this HTTP method.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
        _ => "The request could not be completed.",
    };

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
