using System.Net;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Api;

public sealed class OperationsTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [Fact]
    public async Task TaskTypesListEveryTypeWithDescriptionAndPayloadFields()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync("/api/task-types");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var types = (await response.ReadJsonAsync()).EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!);
        Assert.Contains("simulated", types.Keys);
        Assert.Contains("external", types.Keys);
        var simulated = types["simulated"];
        Assert.False(string.IsNullOrWhiteSpace(simulated.GetProperty("description").GetString()));
        var fields = simulated.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Equal(["durationMs", "steps", "fail", "completeVia"], fields);
        Assert.Contains(
            types["external"].GetProperty("fields").EnumerateArray(),
            f => f.GetProperty("name").GetString() == "timeoutSeconds");
    }

    [Fact]
    public async Task TaskTypesNeedAuthentication()
    {
        var response = await app.CreateClient().GetAsync("/api/task-types");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LivenessAnswersHealthyWithoutAuthentication()
    {
        var response = await app.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadinessChecksTheDatabase()
    {
        var response = await app.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheTaskApi()
    {
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadJsonAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/tasks", "/api/tasks/{taskId}", "/api/tasks/{taskId}/cancel", "/api/tasks/{taskId}/retry", "/api/tasks/events", "/api/tasks/{taskId}/events", "/api/webhooks/tasks", "/api/task-types" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        }

        Assert.True(paths.GetProperty("/api/tasks").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/tasks").TryGetProperty("get", out _));
    }

    [Fact]
    public async Task AWrongMethodOnAnApiPathIsA405Problem()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.DeleteAsync("/api/tasks");

        var problem = await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("method", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownApiPathIsA404Problem()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync("/api/no-such-thing");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
