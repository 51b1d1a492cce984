using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Components.Pages.Dashboard;
using Bunit;

namespace BlazorTasks.Tests.Components;

public sealed class SimulatedTaskFormTests(BlazorTasksFactory app) : DashboardTestContext(app)
{
    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    public async Task BurstOutsideOneToHundredIsRejectedAndStartsNothing(string burst)
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var cut = RenderWithProviders(Fragment<SimulatedTaskForm>());

        cut.Find("input[data-testid=burst]").Change(burst);
        cut.Find("[data-testid=start-simulated]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Burst must be between 1 and 100.", cut.Markup), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=lab-result]"));
        var tasks = await TaskService.ListAsync(new UserScope(user.Id), new TaskQuery());
        Assert.Equal(0, tasks.Total);
    }

    [Fact]
    public async Task BurstStartsThatManySimulatedTasksWithTheChosenSettings()
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var cut = RenderWithProviders(Fragment<SimulatedTaskForm>());

        cut.Find("input[data-testid=burst]").Change("5");
        cut.Find("input[data-testid=steps]").Change("4");
        cut.Find("input[data-testid=fail]").Change(true);
        cut.Find("[data-testid=start-simulated]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Started 5 tasks.", cut.Find("[data-testid=lab-result]").TextContent), Timeout);
        var tasks = await TaskService.ListAsync(new UserScope(user.Id), new TaskQuery());
        Assert.Equal(5, tasks.Total);
        Assert.All(tasks.Items, task =>
        {
            Assert.Equal("simulated", task.Type);
            Assert.Equal(4, task.Payload.GetProperty("steps").GetInt32());
            Assert.True(task.Payload.GetProperty("fail").GetBoolean());
            Assert.Equal(2000, task.Payload.GetProperty("durationMs").GetInt32());
            Assert.Equal("worker", task.Payload.GetProperty("completeVia").GetString());
        });
        var last = cut.Find("[data-testid=lab-last-task]").GetAttribute("href");
        Assert.Contains(last, tasks.Items.Select(t => $"/dashboard/tasks/{t.TaskId}"));
    }
}
