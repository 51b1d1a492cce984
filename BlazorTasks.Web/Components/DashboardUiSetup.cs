using BlazorTasks.Core.Tasks;
using MudBlazor;
using MudBlazor.Services;

namespace BlazorTasks.Web.Components;

public static class DashboardUiSetup
{
    /// <summary>Interactive server components, MudBlazor, and the read models the dashboard pages use.</summary>
    public static WebApplicationBuilder AddDashboardUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.VisibleStateDuration = 6000;
            options.SnackbarConfiguration.ShowCloseIcon = true;
            options.SnackbarConfiguration.PreventDuplicates = false;
        });
        builder.Services.AddSingleton<TaskStatistics>();
        return builder;
    }
}
