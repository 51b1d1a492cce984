using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Components.Pages.Dashboard;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Components;

public sealed class TaskDetailsTests(BlazorTasksFactory app) : DashboardTestContext(app)
{
    [Fact]
    public async Task ShowsTheTaskLiveUntilItCompletesWithItsResultAndEventLog()
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var taskId = await CreateExternalTaskAsync(user.Id);
        await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);

        var cut = RenderWithProviders(Fragment<TaskDetails>(new Dictionary<string, object?> { ["Id"] = taskId.ToString() }));
        cut.WaitForAssertion(() => Assert.Equal("processing", cut.Find("[data-testid=task-status]").GetAttribute("data-status")), Timeout);
        Assert.Contains("\"timeoutSeconds\": 600", cut.Find("[data-testid=task-payload]").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=cancel-task]"));

        await TaskService.ApplyAsync(new TaskOutcome(taskId, TaskState.Processing) { Progress = new TaskProgress(70, "nearly") });
        cut.WaitForAssertion(() => Assert.Equal("70", cut.Find("[data-testid=task-progress]").GetAttribute("data-percent")), Timeout);

        await TaskService.ApplyAsync(TaskOutcome.Completed(taskId, """{"rows":42}"""));
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("completed", cut.Find("[data-testid=task-status]").GetAttribute("data-status"));
            Assert.Contains("\"rows\": 42", cut.Find("[data-testid=task-result]").TextContent);
            Assert.Single(cut.FindAll("[data-testid=event-log] tr[data-event=task-completed]"));
            Assert.Single(cut.FindAll("[data-testid=event-log] tr[data-event=task-created]"));
            Assert.NotEmpty(cut.FindAll("[data-testid=event-log] tr[data-event=task-progress]"));
        }, Timeout);
        Assert.Empty(cut.FindAll("[data-testid=cancel-task]"));
        Assert.Empty(cut.FindAll("[data-testid=retry-task]"));
    }

    [Fact]
    public async Task FailedTaskShowsItsErrorAndRetryCreatesANewTask()
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var taskId = await CreateExternalTaskAsync(user.Id);
        await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);
        await TaskService.ApplyAsync(TaskOutcome.Failed(taskId, "upstream said no"));

        var cut = RenderWithProviders(Fragment<TaskDetails>(new Dictionary<string, object?> { ["Id"] = taskId.ToString() }));
        cut.WaitForAssertion(() => Assert.Contains("upstream said no", cut.Find("[data-testid=task-error]").TextContent), Timeout);

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        cut.Find("[data-testid=retry-task]").Click();
        cut.WaitForAssertion(() => Assert.Matches("/dashboard/tasks/[0-9a-f-]{36}$", navigation.Uri), Timeout);

        var tasks = await TaskService.ListAsync(new UserScope(user.Id), new TaskQuery());
        Assert.Equal(2, tasks.Total);
        var retry = tasks.Items.Single(t => t.TaskId != taskId);
        Assert.EndsWith($"/dashboard/tasks/{retry.TaskId}", navigation.Uri);
        Assert.Equal(TaskState.Failed, tasks.Items.Single(t => t.TaskId == taskId).Status);
        await TaskService.CancelAsync(retry.TaskId, new UserScope(user.Id));
    }

    [Fact]
    public async Task AnotherUsersTaskIsNotFound()
    {
        var owner = await App.CreateUserAsync();
        var stranger = await App.CreateUserAsync();
        var taskId = await CreateExternalTaskAsync(owner.Id);
        SignIn(stranger);

        var cut = RenderWithProviders(Fragment<TaskDetails>(new Dictionary<string, object?> { ["Id"] = taskId.ToString() }));

        cut.WaitForAssertion(() => Assert.Contains("Task not found", cut.Find("[data-testid=empty-state]").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=task-status]"));
        Assert.DoesNotContain("timeoutSeconds", cut.Markup);
        await TaskService.CancelAsync(taskId, new UserScope(owner.Id));
    }

    [Fact]
    public async Task MalformedIdIsNotFound()
    {
        SignIn(await App.CreateUserAsync());

        var cut = RenderWithProviders(Fragment<TaskDetails>(new Dictionary<string, object?> { ["Id"] = "not-a-guid" }));

        cut.WaitForAssertion(() => Assert.Contains("Task not found", cut.Markup), Timeout);
    }
}
