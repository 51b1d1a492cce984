using System.Collections.Concurrent;

namespace BlazorTasks.Core.Processing;

/// <summary>The tasks this process is running right now: their leases to renew and their cancel switches.</summary>
public sealed class RunningTasks
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>This process's lease owner name; unique per start, so a restarted process never owns old leases.</summary>
    public string LeaseOwner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public ICollection<Guid> Ids => _running.Keys;

    public int Count => _running.Count;

    internal void Add(Guid taskId, CancellationTokenSource cancel) => _running[taskId] = cancel;

    internal void Remove(Guid taskId) => _running.TryRemove(taskId, out _);

    /// <summary>Signals the handler running <paramref name="taskId"/> here, if any, to stop.</summary>
    public bool Cancel(Guid taskId)
    {
        if (!_running.TryGetValue(taskId, out var cancel))
        {
            return false;
        }

        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return true;
    }
}
