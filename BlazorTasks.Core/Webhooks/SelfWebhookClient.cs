using System.Net.Http.Headers;
using System.Text.Json;
using BlazorTasks.Core.Tasks;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Webhooks;

/// <summary>
/// Posts a signed outcome to this server's own <c>POST /api/webhooks/tasks</c>, exactly as an external
/// processor would. The host configures the named client <see cref="HttpClientName"/> with one of its
/// own listening addresses; the client is created per call, after the server has started.
/// </summary>
public sealed class SelfWebhookClient(IHttpClientFactory httpClientFactory, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string HttpClientName = "self-webhook";
    public const string Path = "/api/webhooks/tasks";

    public async Task PostAsync(WebhookPayload payload, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, TaskJson.Options);
        var signer = new StandardWebhook(options.Value.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in signer.CreateHeaders("msg_" + Guid.NewGuid().ToString("N"), time.GetUtcNow(), body))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var http = httpClientFactory.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"The task webhook answered {(int)response.StatusCode}: {detail}", null, response.StatusCode);
        }
    }
}

/// <summary>The body of <c>POST /api/webhooks/tasks</c>.</summary>
public sealed class WebhookPayload
{
    public Guid? TaskId { get; set; }
    public string? Status { get; set; }
    public JsonElement? Result { get; set; }
    public string? Error { get; set; }
    public TaskProgress? Progress { get; set; }
}
