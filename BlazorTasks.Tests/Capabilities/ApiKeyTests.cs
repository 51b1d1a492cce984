using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

public sealed class ApiKeyTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    private async Task<(string Key, Guid Id)> CreateKeyAsync(TestUser user, string name = "build server")
    {
        var response = await user.Client.PostAsJsonAsync("/api/api-keys", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("key").GetString()!, body.GetProperty("id").GetGuid());
    }

    private HttpClient KeyClient(string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task AnApiKeyAuthenticatesTheTaskApiAsItsOwner()
    {
        var user = await app.CreateUserAsync();
        var (key, _) = await CreateKeyAsync(user);
        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        var client = KeyClient(key);

        var list = await client.GetFromJsonAsync<JsonElement>("/api/tasks");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), t => t.GetProperty("taskId").GetGuid() == taskId);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/tasks/{taskId}")).StatusCode);

        var created = await client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"/api/tasks/{created}")).StatusCode); // same owner
    }

    [Fact]
    public async Task AnApiKeyAuthenticatesTheEventStream()
    {
        var user = await app.CreateUserAsync();
        var (key, _) = await CreateKeyAsync(user);
        var client = KeyClient(key);

        using var response = await client.GetAsync("/api/tasks/events", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("retry: 3000", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));

        var taskId = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        using var one = await client.GetAsync($"/api/tasks/{taskId}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
    }

    [Fact]
    public async Task ARevokedKeyIs401()
    {
        var user = await app.CreateUserAsync();
        var (key, id) = await CreateKeyAsync(user);
        var client = KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/api-keys/{id}")).StatusCode);

        var response = await client.GetAsync("/api/tasks");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(401, (await response.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tasks/events")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.DeleteAsync($"/api/api-keys/{id}")).StatusCode); // already revoked
    }

    [Theory]
    [InlineData("btk_not-a-real-key")]
    [InlineData("garbage")]
    public async Task AnUnknownKeyIs401NotARedirect(string key)
    {
        var response = await KeyClient(key).GetAsync("/api/tasks");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheKeyIsShownOnceAndStoredOnlyAsAHash()
    {
        var user = await app.CreateUserAsync();
        var (key, id) = await CreateKeyAsync(user, "laptop");
        await KeyClient(key).GetAsync("/api/tasks");

        var listed = await user.Client.GetStringAsync("/api/api-keys");
        Assert.DoesNotContain(key, listed);
        var item = Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetGuid());
        Assert.Equal("laptop", item.GetProperty("name").GetString());
        Assert.Equal(key[..12], item.GetProperty("prefix").GetString());
        Assert.Equal(JsonValueKind.String, item.GetProperty("lastUsedAt").ValueKind);
        Assert.True(item.GetProperty("isActive").GetBoolean());

        using var scope = app.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().ApiKeys.SingleAsync(k => k.Id == id);
        Assert.NotEqual(key, stored.KeyHash);
        Assert.Equal(64, stored.KeyHash.Length);
        Assert.DoesNotContain(key[12..], stored.KeyHash + stored.Prefix + stored.Name);
    }

    [Fact]
    public async Task KeysAreScopedToTheirOwner()
    {
        await app.CreateUserAsync(); // The first account is the admin, who may see every task: not alice.
        var alice = await app.CreateUserAsync();
        var bob = await app.CreateUserAsync();
        var (aliceKey, aliceKeyId) = await CreateKeyAsync(alice);
        var bobsTask = await bob.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });

        Assert.Equal(HttpStatusCode.NotFound, (await KeyClient(aliceKey).GetAsync($"/api/tasks/{bobsTask}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Client.DeleteAsync($"/api/api-keys/{aliceKeyId}")).StatusCode);
        Assert.Equal("[]", await bob.Client.GetStringAsync("/api/api-keys"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreatingAKeyWithoutANameIs400(string name)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/api-keys", new { name });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task ManagingKeysNeedsAuthentication()
    {
        var anonymous = app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/api-keys", new { name = "x" })).StatusCode);
    }

    [Fact]
    public async Task TheApiKeysPageRequiresSignIn()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/dashboard/api-keys");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheNewEndpoints()
    {
        var document = await app.CreateClient().GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/tasks/{taskId}/artifact", document);
        Assert.Contains("/api/tasks/{taskId}/callbacks", document);
        Assert.Contains("/api/api-keys", document);
    }
}
