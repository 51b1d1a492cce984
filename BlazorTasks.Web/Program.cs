using BlazorTasks.Web.Auth;
using BlazorTasks.Web.Capabilities;
using BlazorTasks.Web.Components;
using BlazorTasks.Web.Events;
using BlazorTasks.Web.Hosting;
using BlazorTasks.Web.Tasks;
using BlazorTasks.Web.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddDataDirectory();
builder.AddApiPlumbing();
builder.AddIdentityAndAuth();
builder.AddTaskProcessing();
builder.AddDashboardUi();
builder.AddCapabilities();

var app = builder.Build();

await app.MigrateDatabasesAsync();
await app.EnsureRolesAsync();
app.LogDataDirectory();

app.UseProblemDetailsForApi();
if (app.Environment.IsDevelopment())
{
    app.UseMigrationsEndPoint();
}

app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAdditionalIdentityEndpoints();

app.MapAuthApi();
app.MapTasksApi();
app.MapCapabilitiesApi();
app.MapTaskEventsApi();
app.MapWebhooksApi();
app.MapOperations();

app.Run();

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
