using System.Security.Claims;
using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Auth;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;

namespace BlazorTasks.Tests.Components;

/// <summary>
/// bUnit with MudBlazor (loose JS interop, no transitions) over the real Core services of an in-memory
/// app: a real TaskService on a temp SQLite database, the real event hub, worker and writer.
/// </summary>
public abstract class DashboardTestContext : BunitContext, IClassFixture<BlazorTasksFactory>
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected DashboardTestContext(BlazorTasksFactory app)
    {
        App = app;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.PopoverOptions.CheckForPopoverProvider = false;
        });

        var services = app.Services;
        Services.AddSingleton(services.GetRequiredService<TaskService>());
        Services.AddSingleton(services.GetRequiredService<TaskEventHub>());
        Services.AddSingleton(services.GetRequiredService<TaskEventLog>());
        Services.AddSingleton(services.GetRequiredService<TaskStatistics>());
        Services.AddSingleton(services.GetRequiredService<TimeProvider>());
        Services.AddSingleton(services.GetRequiredService<IHttpClientFactory>());
        Services.AddSingleton(services.GetRequiredService<IOptions<WebhookOptions>>());
        Authorization = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private Bunit.TestDoubles.BunitAuthorizationContext Authorization { get; }

    protected BlazorTasksFactory App { get; }

    protected TaskService TaskService => App.Services.GetRequiredService<TaskService>();

    protected TaskEventHub Hub => App.Services.GetRequiredService<TaskEventHub>();

    /// <summary>Signs the rendered components in as <paramref name="user"/>.</summary>
    protected void SignIn(TestUser user, bool admin = false)
    {
        var auth = Authorization;
        auth.SetAuthorized(user.Email);
        if (admin)
        {
            auth.SetRoles(Roles.Admin);
        }

        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
    }

    /// <summary>The providers the layout normally supplies, around <paramref name="content"/>.</summary>
    protected IRenderedComponent<ContainerFragment> RenderWithProviders(RenderFragment content) =>
        Render<ContainerFragment>(parameters => parameters.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(1);
            builder.CloseComponent();
            builder.AddContent(2, content);
        }));

    protected static RenderFragment Fragment<TComponent>(IReadOnlyDictionary<string, object?>? parameters = null)
        where TComponent : IComponent => builder =>
    {
        builder.OpenComponent<TComponent>(0);
        if (parameters is not null)
        {
            builder.AddMultipleAttributes(1, parameters!);
        }

        builder.CloseComponent();
    };

    /// <summary>An <c>external</c> task: it stays processing until an outcome is applied, so tests control its life.</summary>
    protected async Task<Guid> CreateExternalTaskAsync(string ownerId)
    {
        var payload = JsonSerializer.SerializeToElement(new { timeoutSeconds = 600 });
        var result = await TaskService.CreateAsync(ownerId, new CreateTaskCommand("external", payload));
        return Assert.IsType<CreateTaskResult.Created>(result).Task.TaskId;
    }

    protected async Task WaitForStatusAsync(Guid taskId, string ownerId, TaskState status)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var subscription = Hub.Subscribe(EventFilter.ForTask(taskId));
        var current = await TaskService.GetAsync(taskId, new UserScope(ownerId));
        if (current?.Status == status)
        {
            return;
        }

        await foreach (var taskEvent in subscription.ReadAllAsync(cts.Token))
        {
            if (taskEvent.Data.Status == status)
            {
                return;
            }
        }
    }
}

/// <summary>Renders arbitrary child content; lets a test place providers next to the component under test.</summary>
public sealed class ContainerFragment : ComponentBase
{
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) =>
        builder.AddContent(0, ChildContent);
}
