using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Core.Processing;

/// <summary>
/// Stores a handler's progress at most once per interval , so a chatty handler
/// costs a few writes and events per second, not one per call.
/// </summary>
internal sealed class ThrottledProgress(TaskWriter writer, Guid taskId, TimeSpan interval, TimeProvider time) : ITaskProgress
{
    private readonly long _startedAt = time.GetTimestamp();
    private long _lastWrite = long.MinValue;

    public async ValueTask ReportAsync(int percent, string? message, CancellationToken cancellationToken = default)
    {
        var now = time.GetTimestamp();
        var since = _lastWrite == long.MinValue ? time.GetElapsedTime(_startedAt, now) : time.GetElapsedTime(_lastWrite, now);
        if (since < interval)
        {
            return; // A later report, or the completion (which carries 100 %), follows soon.
        }

        _lastWrite = now;
        var progress = new TaskProgress(Math.Clamp(percent, 0, 100), message);
        await writer.RunAsync(c => TaskStore.ReportProgress(c, taskId, progress), cancellationToken);
    }
}
