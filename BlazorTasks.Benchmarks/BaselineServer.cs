using System.Text.Json;

namespace BlazorTasks.Benchmarks;

/// <summary>
/// The baseline every ratio is measured against: the same Kestrel defaults as the app (Web SDK, server
/// GC, logging at Warning), an endpoint that reads and parses the same JSON body and answers 202 with a
/// body of the same shape, and an endpoint that holds plain <c>text/event-stream</c> responses open.
/// No database, no authentication, no queue.
/// </summary>
internal static class BaselineServer
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args.Where(a => a != "--baseline-server").ToArray());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();

        app.MapPost("/api/tasks", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            var type = document.RootElement.GetProperty("type").GetString();
            var id = Guid.CreateVersion7();
            return TypedResults.Accepted($"/api/tasks/{id}", new { taskId = id, status = "pending", type, statusUrl = $"/api/tasks/{id}", eventsUrl = $"/api/tasks/{id}/events" });
        });

        app.MapGet("/api/tasks/events", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync("retry: 3000\n: connected\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });

        app.MapGet("/health/live", () => "ok");
        await app.RunAsync();
    }
}
