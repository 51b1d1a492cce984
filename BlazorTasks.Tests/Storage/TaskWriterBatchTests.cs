using System.Text.Json;
using BlazorTasks.Core.Events;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Storage;

public sealed class TaskWriterBatchTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    [Fact]
    public async Task AFailingOperationDoesNotUndoTheOthersInItsBatchNorPublishTwice()
    {
        _ = app.Server;
        var writer = app.Services.GetRequiredService<TaskWriter>();
        var service = app.Services.GetRequiredService<TaskService>();
        var hub = app.Services.GetRequiredService<TaskEventHub>();
        using var subscription = hub.Subscribe(EventFilter.All);
        using var payload = JsonDocument.Parse("{}");
        var tasks = Enumerable.Range(0, 3)
            .Select(_ => service.NewTask("writer-test-owner", new CreateTaskCommand("simulated", payload.RootElement)))
            .ToList();

        // Hold the writer inside one batch so the operations below queue up behind it and share a batch.
        using var gate = new ManualResetEventSlim();
        var blocker = writer.RunAsync(_ => gate.Wait(TimeSpan.FromSeconds(30)), TestContext.Current.CancellationToken);
        var first = writer.RunAsync(c => TaskStore.Insert(c, tasks[0]), TestContext.Current.CancellationToken);
        var failing = writer.RunAsync<bool>(
            c =>
            {
                TaskStore.Insert(c, tasks[1]);
                throw new InvalidOperationException("This operation fails after writing its row.");
            },
            TestContext.Current.CancellationToken);
        var last = writer.RunAsync(c => TaskStore.Insert(c, tasks[2]), TestContext.Current.CancellationToken);
        gate.Set();

        Assert.True(await blocker);
        await first;
        await last;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("This operation fails after writing its row.", error.Message);

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<TasksDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken))
        {
            var ids = tasks.Select(t => t.Id).ToList();
            var stored = await db.Tasks.AsNoTracking().Where(t => ids.Contains(t.Id)).Select(t => t.Id).ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(new[] { tasks[0].Id, tasks[2].Id }.Order(), stored.Order());
        }

        // Each committed row's task-created event is published once, the failed one's never.
        var created = new List<Guid>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await foreach (var taskEvent in subscription.ReadAllAsync(timeout.Token))
        {
            if (taskEvent.Name == TaskEventNames.Created && tasks.Any(t => t.Id == taskEvent.TaskId))
            {
                created.Add(taskEvent.TaskId);
            }

            if (taskEvent.TaskId == tasks[2].Id && taskEvent.Name == TaskEventNames.Created)
            {
                break;
            }
        }

        Assert.Equal([tasks[0].Id, tasks[2].Id], created);
    }
}
