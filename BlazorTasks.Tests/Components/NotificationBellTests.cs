using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Components.Shared;
using Bunit;

namespace BlazorTasks.Tests.Components;

public sealed class NotificationBellTests(BlazorTasksFactory app) : DashboardTestContext(app)
{
    [Fact]
    public async Task BadgeCountsRunningTasksShowsLiveProgressAndToastsOnCompletion()
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var subscribersBefore = Hub.SubscriberCount;

        var cut = RenderWithProviders(Fragment<NotificationBell>());
        var bell = () => cut.Find("[data-testid=bell]");
        cut.WaitForAssertion(() => Assert.Equal(subscribersBefore + 1, Hub.SubscriberCount), Timeout);
        Assert.Equal("0", bell().GetAttribute("data-count"));

        // Open the menu while nothing is happening: a click races with live re-renders otherwise.
        cut.Find("[data-testid=bell-button]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Nothing running right now.", cut.Find("[data-testid=bell-menu]").TextContent), Timeout);

        var taskId = await CreateExternalTaskAsync(user.Id);
        cut.WaitForAssertion(() => Assert.Equal("1", bell().GetAttribute("data-count")), Timeout);

        await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);
        await TaskService.ApplyAsync(new TaskOutcome(taskId, TaskState.Processing) { Progress = new TaskProgress(40, "four of ten") });
        cut.WaitForAssertion(() =>
        {
            var item = cut.Find($"[data-testid=bell-active][data-task-id='{taskId}']");
            Assert.Equal($"/dashboard/tasks/{taskId}", item.GetAttribute("href"));
            Assert.Equal("40", item.QuerySelector("[data-percent]")!.GetAttribute("data-percent"));
            Assert.Contains("four of ten", item.TextContent);
            Assert.Contains("40%", item.TextContent);
        }, Timeout);

        await TaskService.ApplyAsync(TaskOutcome.Completed(taskId, """{"rows":42}"""));
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("0", bell().GetAttribute("data-count"));
            var toast = cut.Find("[data-testid=task-toast]");
            Assert.Equal("completed", toast.GetAttribute("data-status"));
            Assert.Equal($"/dashboard/tasks/{taskId}", toast.QuerySelector("a")!.GetAttribute("href"));
            Assert.NotNull(cut.Find(".mud-alert-filled-success [data-testid=task-toast]"));
        }, Timeout);
        Assert.Single(cut.FindAll($"[data-testid=bell-recent][data-task-id='{taskId}']"));
    }

    [Fact]
    public async Task FailedTaskRaisesAnErrorToastWithItsMessage()
    {
        var user = await App.CreateUserAsync();
        SignIn(user);
        var cut = RenderWithProviders(Fragment<NotificationBell>());
        var taskId = await CreateExternalTaskAsync(user.Id);
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=bell]").GetAttribute("data-count")), Timeout);

        await WaitForStatusAsync(taskId, user.Id, TaskState.Processing);
        await TaskService.ApplyAsync(TaskOutcome.Failed(taskId, "printer on fire"));

        cut.WaitForAssertion(() =>
        {
            var toast = cut.Find(".mud-alert-filled-error [data-testid=task-toast]");
            Assert.Equal("failed", toast.GetAttribute("data-status"));
            Assert.Contains("printer on fire", toast.TextContent);
        }, Timeout);
    }

    [Fact]
    public async Task IgnoresOtherUsersTasksAndUnsubscribesWhenDisposed()
    {
        var user = await App.CreateUserAsync();
        var other = await App.CreateUserAsync();
        SignIn(user);
        var subscribersBefore = Hub.SubscriberCount;
        var cut = RenderWithProviders(Fragment<NotificationBell>());
        cut.WaitForAssertion(() => Assert.Equal(subscribersBefore + 1, Hub.SubscriberCount), Timeout);

        var othersTask = await CreateExternalTaskAsync(other.Id);
        await WaitForStatusAsync(othersTask, other.Id, TaskState.Processing);
        var mine = await CreateExternalTaskAsync(user.Id);
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=bell]").GetAttribute("data-count")), Timeout);

        await DisposeComponentsAsync();

        Assert.Equal(subscribersBefore, Hub.SubscriberCount);
        await TaskService.CancelAsync(mine, new UserScope(user.Id));
    }
}
