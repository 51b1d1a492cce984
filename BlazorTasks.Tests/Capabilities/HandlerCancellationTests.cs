using System.Text.Json;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>The report and export handlers stop mid-stream when their token fires, leaving no file behind.</summary>
public sealed class HandlerCancellationTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private async Task<string> SeedFinishedTasksAsync(int count)
    {
        var ownerId = $"owner-{Guid.NewGuid():N}";
        var service = app.Services.GetRequiredService<TaskService>();
        var tasks = Enumerable.Range(0, count).Select(_ =>
        {
            var task = service.NewTask(ownerId, new CreateTaskCommand("simulated", JsonSerializer.SerializeToElement(new { durationMs = 0 })));
            task.Status = TaskState.Completed;
            return task;
        }).ToList();
        await app.Services.GetRequiredService<TaskWriter>().RunAsync(context =>
        {
            foreach (var task in tasks)
            {
                TaskStore.Insert(context, task);
            }
        });
        return ownerId;
    }

    private static TaskRunContext Context(string ownerId, string type, object payload, ITaskProgress progress)
    {
        var taskId = Guid.NewGuid();
        var json = JsonSerializer.SerializeToElement(payload);
        return new TaskRunContext
        {
            TaskId = taskId,
            OwnerId = ownerId,
            Type = type,
            Payload = json,
            Attempt = 1,
            Progress = progress,
            Task = new TaskRecord { Id = taskId, OwnerId = ownerId, Type = type, PayloadJson = json.GetRawText() },
        };
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("json")]
    public async Task AnExportStopsAtTheNextRowWhenCanceled(string format)
    {
        var ownerId = await SeedFinishedTasksAsync(3000);
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfterProgress(cancel, afterPercent: 1);
        await using var scope = app.Services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<ExportTaskHandler>();
        var context = Context(ownerId, ExportTaskHandler.TypeName, new { format }, progress);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handler.RunAsync(context, cancel.Token));

        Assert.InRange(progress.LastPercent, 1, 50); // it stopped part-way, not at the end
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(app.DataDirectory, "artifacts"), $"{context.TaskId:N}*"));
    }

    [Fact]
    public async Task AReportStopsWhenCanceled()
    {
        var ownerId = await SeedFinishedTasksAsync(3000);
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfterProgress(cancel, afterPercent: 1);
        await using var scope = app.Services.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<ReportTaskHandler>();
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var context = Context(ownerId, ReportTaskHandler.TypeName, new { dateRange = new { from = today, to = today } }, progress);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handler.RunAsync(context, cancel.Token));

        Assert.InRange(progress.LastPercent, 1, 50);
    }

    /// <summary>Cancels once a progress report reaches <c>afterPercent</c> (the handler is then mid-stream).</summary>
    private sealed class CancelAfterProgress(CancellationTokenSource cancel, int afterPercent) : ITaskProgress
    {
        public int LastPercent { get; private set; }

        public ValueTask ReportAsync(int percent, string? message, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LastPercent = percent;
            if (percent >= afterPercent)
            {
                cancel.Cancel();
            }

            return ValueTask.CompletedTask;
        }
    }
}
