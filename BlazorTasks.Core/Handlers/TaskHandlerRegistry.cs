namespace BlazorTasks.Core.Handlers;

/// <summary>The task types this server knows, by name.</summary>
public sealed class TaskHandlerRegistry(IEnumerable<ITaskHandler> handlers)
{
    private readonly Dictionary<string, ITaskHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    public IReadOnlyCollection<ITaskHandler> All => _handlers.Values;

    public IEnumerable<string> Names => _handlers.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string type, out ITaskHandler handler) => _handlers.TryGetValue(type, out handler!);
}
