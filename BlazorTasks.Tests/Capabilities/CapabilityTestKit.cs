using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using BlazorTasks.Core.Events;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>Follows one task's committed events through the app's own hub, so tests wait for events, not time.</summary>
public sealed class TaskEventWaiter : IDisposable
{
    private readonly EventSubscription _subscription;

    public TaskEventWaiter(BlazorTasksFactory app, Guid? taskId = null, string? ownerId = null)
    {
        var hub = app.Services.GetRequiredService<TaskEventHub>();
        _subscription = hub.Subscribe(new EventFilter(ownerId, taskId));
    }

    public List<TaskEvent> Seen { get; } = [];

    /// <summary>The next event (after those already seen) matching <paramref name="match"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task<TaskEvent> WaitForAsync(Func<TaskEvent, bool> match, TimeSpan? timeout = null, Action? whileWaiting = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var read = _subscription.Reader.ReadAsync(cts.Token).AsTask();
            if (whileWaiting is not null)
            {
                // e.g. advancing a fake clock until the awaited event happens
                while (!read.IsCompleted)
                {
                    whileWaiting();
                    await Task.WhenAny(read, Task.Delay(20, cts.Token));
                }
            }

            var taskEvent = await read;
            Seen.Add(taskEvent);
            if (match(taskEvent))
            {
                return taskEvent;
            }
        }
    }

    public void Dispose() => _subscription.Dispose();
}

/// <summary>A real HTTP server on a free loopback port that receives callbacks and answers as told.</summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedCallback> _received = Channel.CreateUnbounded<ReceivedCallback>();

    private CallbackReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedCallback> Requests { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public int Port => new Uri(BaseUrl).Port;

    /// <summary>Starts a receiver; <paramref name="answer"/> gets the 1-based request number and returns the status code.</summary>
    public static async Task<CallbackReceiver> StartAsync(Func<int, HttpContext, Task<int>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        var count = 0;
        app.Map("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = new HeaderDictionary();
            foreach (var (name, value) in context.Request.Headers)
            {
                headers[name] = value;
            }

            var received = new ReceivedCallback(context.Request.Path, body, headers);
            receiver.Requests.Enqueue(received);
            receiver._received.Writer.TryWrite(received);
            context.Response.StatusCode = await answer(Interlocked.Increment(ref count), context);
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First();
        return receiver;
    }

    public static Task<CallbackReceiver> StartAsync(Func<int, int> answer) =>
        StartAsync((n, _) => Task.FromResult(answer(n)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedCallback(string Path, string Body, IHeaderDictionary Headers);

public static class CapabilityApi
{
    public static async Task<JsonElement> GetCallbacksAsync(this HttpClient client, Guid taskId)
    {
        var response = await client.GetAsync($"/api/tasks/{taskId}/callbacks");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls the callback delivery state until it is <paramref name="status"/> (bounded by a timeout).</summary>
    public static async Task<JsonElement> WaitForCallbackStatusAsync(this HttpClient client, Guid taskId, string status, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var view = await client.GetCallbacksAsync(taskId);
            if (view.GetProperty("status").GetString() == status)
            {
                return view;
            }

            await Task.Delay(25, cts.Token);
        }
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
