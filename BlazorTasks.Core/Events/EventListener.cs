namespace BlazorTasks.Core.Events;

public static class EventListenerExtensions
{
    /// <summary>
    /// Calls <paramref name="onEvent"/> for every event matching <paramref name="filter"/>, one at a
    /// time, until the returned handle is disposed. When the listener falls behind and is cut off,
    /// <paramref name="onResync"/> runs (reload state from the store) and listening resumes.
    /// This is what a Blazor component uses: marshal inside the callbacks with <c>InvokeAsync</c>.
    /// </summary>
    public static IDisposable Listen(
        this TaskEventHub hub,
        EventFilter filter,
        Func<TaskEvent, Task> onEvent,
        Func<Task>? onResync = null)
    {
        var listener = new Listener(hub, filter, onEvent, onResync);
        listener.Start();
        return listener;
    }

    private sealed class Listener(TaskEventHub hub, EventFilter filter, Func<TaskEvent, Task> onEvent, Func<Task>? onResync) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private EventSubscription? _subscription;

        public void Start()
        {
            _subscription = hub.Subscribe(filter);
            _ = PumpAsync();
        }

        private async Task PumpAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var subscription = _subscription!;
                try
                {
                    await foreach (var taskEvent in subscription.ReadAllAsync(_stop.Token))
                    {
                        await onEvent(taskEvent);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                if (!subscription.Overflowed || _stop.IsCancellationRequested)
                {
                    return;
                }

                _subscription = hub.Subscribe(filter);
                if (onResync is not null)
                {
                    await onResync();
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _subscription?.Dispose();
        }
    }
}
