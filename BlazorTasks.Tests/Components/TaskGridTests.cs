using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Components.Pages.Dashboard;
using Bunit;
using TasksPage = BlazorTasks.Web.Components.Pages.Dashboard.Tasks;

namespace BlazorTasks.Tests.Components;

public sealed class TaskGridTests(BlazorTasksFactory app) : DashboardTestContext(app)
{
    private static string[] Rows(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("[data-testid=task-link]").Select(a => a.GetAttribute("href")!).ToArray();

    [Fact]
    public async Task ListsOnlyTheUsersTasksAndAddsNewOnesLive()
    {
        var user = await App.CreateUserAsync();
        var other = await App.CreateUserAsync();
        var mine = new[] { await CreateExternalTaskAsync(user.Id), await CreateExternalTaskAsync(user.Id) };
        var theirs = await CreateExternalTaskAsync(other.Id);
        SignIn(user);

        var cut = RenderWithProviders(Fragment<TasksPage>());
        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Length), Timeout);
        Assert.DoesNotContain($"/dashboard/tasks/{theirs}", Rows(cut));

        var added = await CreateExternalTaskAsync(user.Id);
        cut.WaitForAssertion(() => Assert.Equal($"/dashboard/tasks/{added}", Rows(cut).FirstOrDefault()), Timeout);
        Assert.Equal(3, Rows(cut).Length);

        await CancelAllAsync(user.Id, [.. mine, added]);
        await CancelAllAsync(other.Id, [theirs]);
    }

    [Fact]
    public async Task RowsRepaintWithLiveProgressAndStatus()
    {
        var user = await App.CreateUserAsync();
        var taskId = await CreateExternalTaskAsync(user.Id);
        await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);
        SignIn(user);
        var cut = RenderWithProviders(Fragment<TasksPage>());
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)), Timeout);

        await TaskService.ApplyAsync(new TaskOutcome(taskId, TaskState.Processing) { Progress = new TaskProgress(55, null) });
        cut.WaitForAssertion(() => Assert.Equal("55", cut.Find(".bt-grid-progress").GetAttribute("data-percent")), Timeout);

        await TaskService.ApplyAsync(TaskOutcome.Completed(taskId, null));
        cut.WaitForAssertion(() => Assert.Equal("completed", cut.Find("[data-testid=task-grid] .bt-status-chip").GetAttribute("data-status")), Timeout);
    }

    [Fact]
    public async Task SearchByIdNarrowsToThatTask()
    {
        var user = await App.CreateUserAsync();
        var tasks = new[] { await CreateExternalTaskAsync(user.Id), await CreateExternalTaskAsync(user.Id), await CreateExternalTaskAsync(user.Id) };
        foreach (var taskId in tasks)
        {
            // Quiet before typing: a live re-render between finding the input and typing would swap its handler.
            await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);
        }

        SignIn(user);
        var cut = RenderWithProviders(Fragment<TasksPage>());
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Length), Timeout);

        cut.Find("input[data-testid=task-search]").Input(tasks[1].ToString());

        cut.WaitForAssertion(() => Assert.Equal([$"/dashboard/tasks/{tasks[1]}"], Rows(cut)), Timeout);
        await CancelAllAsync(user.Id, tasks);
    }

    [Fact]
    public async Task AdminCanSwitchToEveryonesTasks()
    {
        var admin = await App.CreateUserAsync();
        var other = await App.CreateUserAsync();
        var theirs = await CreateExternalTaskAsync(other.Id);
        SignIn(admin, admin: true);
        var cut = RenderWithProviders(Fragment<TasksPage>());
        cut.WaitForAssertion(() => Assert.Contains("No tasks match", cut.Markup), Timeout);

        cut.Find("input[data-testid=all-users]").Change(true);

        cut.WaitForAssertion(() => Assert.Contains($"/dashboard/tasks/{theirs}", Rows(cut)), Timeout);
        await CancelAllAsync(other.Id, [theirs]);
    }

    private async Task CancelAllAsync(string ownerId, IEnumerable<Guid> taskIds)
    {
        foreach (var taskId in taskIds)
        {
            await TaskService.CancelAsync(taskId, new UserScope(ownerId));
        }
    }
}
