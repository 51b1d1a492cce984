using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BlazorTasks.Tests.Api;

/// <summary>An app with a small body limit, so that 413 is cheap to provoke.</summary>
public sealed class SmallBodyLimitFactory : AdminFirstFactory
{
    public const int Limit = 2048;

    public SmallBodyLimitFactory()
    {
        With("Limits:MaxRequestBodyBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        With("Webhooks:MaxBodyBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class CreateTaskTests(SmallBodyLimitFactory app) : IClassFixture<SmallBodyLimitFactory>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PostingSimulatedTaskAnswers202WithLocationAndRetryAfter()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.CreateTaskAsync("simulated", new { durationMs = 0 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var taskId = body.GetProperty("taskId").GetGuid();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal($"/api/tasks/{taskId}", body.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/tasks/{taskId}/events", body.GetProperty("eventsUrl").GetString());
        Assert.Equal($"/api/tasks/{taskId}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.True(response.Headers.RetryAfter.Delta >= TimeSpan.FromSeconds(1));

        var finished = await user.Client.WaitForTerminalAsync(taskId);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheTaskRowIsCommittedBeforeThe202IsSent()
    {
        var user = await app.CreateUserAsync();

        var taskId = await user.Client.CreateTaskIdAsync("external", new { });

        // Read immediately, without waiting: the row must already be there.
        var response = await user.Client.GetAsync($"/api/tasks/{taskId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(taskId, (await response.ReadJsonAsync()).GetProperty("taskId").GetGuid());
    }

    [Theory]
    [InlineData("{\"type\": \"simulated\", ")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task MalformedJsonIsA400Problem(string body)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync("/api/tasks", Json(body));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("title").GetString() + problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUtf8BodyWithAByteOrderMarkIsAccepted()
    {
        var user = await app.CreateUserAsync();
        byte[] body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"type\":\"external\",\"payload\":{\"note\":\"caf\u00e9\"}}")];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };

        var response = await user.Client.PostAsync("/api/tasks", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (await response.ReadJsonAsync()).GetProperty("taskId").GetGuid();
        Assert.Equal("caf\u00e9", (await user.Client.GetTaskAsync(taskId)).GetProperty("payload").GetProperty("note").GetString());
    }

    [Fact]
    public async Task DeeplyNestedJsonIsA400ProblemNotA500()
    {
        var user = await app.CreateUserAsync();
        var nested = "{\"type\":\"external\",\"payload\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) + "}";

        var response = await user.Client.PostAsync("/api/tasks", Json(nested));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{\"durationMs\": \"fast\"}")]
    [InlineData("{\"durationMs\": 1.5}")]
    [InlineData("{\"durationMs\": 1e12}")]
    [InlineData("{\"durationMs\": -1}")]
    [InlineData("{\"durationMs\": null, \"fail\": \"yes\"}")]
    public async Task OddPayloadValuesAre400ProblemsNamingTheField(string payload)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync("/api/tasks", Json("{\"type\":\"simulated\",\"payload\":" + payload + "}"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith("payload.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"payload\": {}}")]
    [InlineData("{\"type\": \"\", \"payload\": {}}")]
    [InlineData("{\"type\": 42}")]
    public async Task AMissingTypeIsA400NamingTheTypeField(string body)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync("/api/tasks", Json(body));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.ErrorsFor("type"));
    }

    [Fact]
    public async Task AnUnknownTypeIsA400ListingTheKnownTypes()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.CreateTaskAsync("no-such-type");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var known = problem.GetProperty("knownTypes").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("simulated", known);
        Assert.Contains("external", known);
        Assert.Contains("simulated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("no-such-type", problem.ErrorsFor("type")[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidPayloadIsA400NamingEachBadField()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.CreateTaskAsync("simulated", new { durationMs = 999_999, steps = 0, completeVia = "carrier-pigeon" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.ErrorsFor("payload.durationMs"));
        Assert.NotEmpty(problem.ErrorsFor("payload.steps"));
        Assert.NotEmpty(problem.ErrorsFor("payload.completeVia"));
    }

    [Fact]
    public async Task APayloadOfTheWrongJsonKindIsA400()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsync("/api/tasks", Json("{\"type\": \"simulated\", \"payload\": [1, 2]}"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.ErrorsFor("payload"));
    }

    [Fact]
    public async Task AnUnauthenticatedCallIsA401ProblemAndNeverARedirect()
    {
        var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = Json("{\"type\":\"simulated\"}") };
        // What a browser sends for a top-level navigation.
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        var response = await anonymous.SendAsync(request);

        Assert.Null(response.Headers.Location);
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnInvalidBearerTokenIsA401Problem()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        var response = await client.CreateTaskAsync("simulated");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ABodyOverTheLimitIsA413Problem()
    {
        var user = await app.CreateUserAsync();
        var padding = new string('x', SmallBodyLimitFactory.Limit);

        var response = await user.Client.CreateTaskAsync("external", new { padding });

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(SmallBodyLimitFactory.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitIsA413ProblemToo()
    {
        var user = await app.CreateUserAsync();
        var json = "{\"type\":\"external\",\"payload\":{\"padding\":\"" + new string('x', SmallBodyLimitFactory.Limit * 4) + "\"}}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await user.Client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task ANonJsonContentTypeIsA415Problem(string mediaType)
    {
        var user = await app.CreateUserAsync();
        var content = new StringContent("{\"type\":\"simulated\"}", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);

        var response = await user.Client.PostAsync("/api/tasks", content);

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWithoutContentTypeIsA415Problem()
    {
        var user = await app.CreateUserAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"type\":\"simulated\"}"));

        var response = await user.Client.PostAsync("/api/tasks", content);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }
}
