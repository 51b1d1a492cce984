// Opens the browser's own EventSource on the public SSE endpoint (the auth cookie goes along) and
// forwards every event, with its id and name, to the component.
const eventNames = ["task-created", "task-processing", "task-progress", "task-completed"];

export function open(component, url) {
    const source = new EventSource(url);
    for (const name of eventNames) {
        source.addEventListener(name, e => component.invokeMethodAsync("OnSseEventAsync", e.lastEventId, name, e.data));
    }
    source.onopen = () => component.invokeMethodAsync("OnSseStateAsync", "open");
    source.onerror = () => component.invokeMethodAsync("OnSseStateAsync", source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    return {
        close: () => source.close(),
    };
}
