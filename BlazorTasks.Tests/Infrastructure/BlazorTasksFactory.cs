using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BlazorTasks.Core.Tasks;
using BlazorTasks.Core.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Infrastructure;

/// <summary>
/// The real app in memory, on its own SQLite file in its own temp folder, with relaxed password rules,
/// ephemeral Data Protection, a known webhook secret, and helpers for signed-in clients.
/// Each test class that uses it gets a fresh database.
/// </summary>
public class BlazorTasksFactory : WebApplicationFactory<Program>
{
    public const string WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string Password = "Passw0rd!";

    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Webhooks:Secret"] = WebhookSecret,
        ["Webhooks:CallbackSecret"] = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("callback-secret-for-tests-only!!")),
        ["Tasks:SweepSeconds"] = "0.5",
        ["Tasks:RetryBaseSeconds"] = "0.1",
        ["Events:HeartbeatSeconds"] = "15",
    };

    static BlazorTasksFactory()
    {
        // Many app instances run in one test process: poll config files instead of holding an
        // inotify instance per host (the kernel's default limit is 128 per user).
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
    }

    public BlazorTasksFactory()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "blazortasks-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        _settings["Storage:DataDirectory"] = DataDirectory;
    }

    public string DataDirectory { get; }

    /// <summary>Overrides a configuration value; call before the first client is created.</summary>
    public BlazorTasksFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public StandardWebhook Signer { get; } = new(WebhookSecret);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
            services.Configure<IdentityOptions>(options =>
            {
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredLength = 4;
            });

            // "Complete via webhook" posts to the app's own address: here, the in-memory server.
            services.AddHttpClient(SelfWebhookClient.HttpClientName, client => client.BaseAddress = new Uri("http://localhost"))
                .ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler());
        });
    }

    /// <summary>Registers and logs in a new user over the API; returns a client sending its bearer token.</summary>
    public async Task<TestUser> CreateUserAsync(string? email = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        var anonymous = CreateClient();
        var register = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = Password });
        register.EnsureSuccessStatusCode();
        var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Web.Data.ApplicationUser>>();
        var user = await users.FindByEmailAsync(email);
        return new TestUser(client, email, user!.Id, token);
    }

    /// <summary>Sends a correctly signed webhook (or, with <paramref name="secret"/>, one signed with another key).</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(object body, string? messageId = null, DateTimeOffset? timestamp = null, string? secret = null)
    {
        var bytes = body is string text ? Encoding.UTF8.GetBytes(text) : JsonSerializer.SerializeToUtf8Bytes(body, TaskJson.Options);
        var signer = secret is null ? Signer : new StandardWebhook(secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/tasks") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in signer.CreateHeaders(messageId ?? $"msg_{Guid.NewGuid():N}", timestamp ?? DateTimeOffset.UtcNow, bytes))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await CreateClient().SendAsync(request);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }
}

public sealed record TestUser(HttpClient Client, string Email, string Id, string AccessToken);
