using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BlazorTasks.Benchmarks;

/// <summary>The app's HTTP API as the benchmark uses it: sign up the admin, create tasks, post signed webhooks.</summary>
internal sealed class AppClient : IDisposable
{
    public const string Email = "bench-admin@example.test";
    public const string Password = "Bench-Pass-1234!";

    private readonly HttpClient _http;
    private readonly byte[] _webhookKey;

    public AppClient(Uri baseAddress, string webhookSecret)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _webhookKey = Convert.FromBase64String(webhookSecret["whsec_".Length..]);
    }

    public string Token { get; private set; } = "";

    /// <summary>Registers the first account (which becomes admin) and logs in for a bearer token.</summary>
    public async Task SignInAdminAsync()
    {
        using var register = await _http.PostAsJsonAsync("/api/auth/register", new { email = Email, password = Password });
        if (!register.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Register answered {(int)register.StatusCode}: {await register.Content.ReadAsStringAsync()}");
        }

        using var login = await _http.PostAsJsonAsync("/api/auth/login", new { email = Email, password = Password });
        login.EnsureSuccessStatusCode();
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        Token = body.GetProperty("accessToken").GetString()!;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>Creates a task; returns its id and the moment the 202 arrived.</summary>
    public async Task<(Guid TaskId, long AcceptedTimestamp, DateTimeOffset AcceptedAt)> CreateAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("/api/tasks", content);
        var timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        var at = DateTimeOffset.UtcNow;
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/tasks answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("taskId").GetGuid(), timestamp, at);
    }

    public async Task<JsonElement> GetTaskAsync(Guid taskId) => await _http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}");

    /// <summary>The number of tasks of every user (admin, scope=all).</summary>
    public async Task<int> CountTasksAsync(string? status = null)
    {
        var query = "/api/tasks?scope=all&pageSize=1" + (status is null ? "" : "&status=" + status);
        var body = await _http.GetFromJsonAsync<JsonElement>(query);
        return body.GetProperty("total").GetInt32();
    }

    /// <summary>Posts a Standard Webhooks–signed outcome to <c>/api/webhooks/tasks</c>.</summary>
    public async Task<HttpStatusCode> PostWebhookAsync(object outcome)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(outcome);
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(_webhookKey, signed));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/tasks") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", signature);
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The fields of an event's <c>data:</c> the benchmark reads.</summary>
internal readonly record struct EventData(Guid TaskId, string Status, DateTimeOffset At)
{
    public static EventData Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new EventData(root.GetProperty("taskId").GetGuid(), root.GetProperty("status").GetString()!, root.GetProperty("at").GetDateTimeOffset());
    }
}
