using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlazorTasks.Core.Webhooks;
using BlazorTasks.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>The default configuration (private targets refused) with DNS answers the test controls.</summary>
public sealed class SsrfFactory : BlazorTasksFactory
{
    public SsrfFactory()
    {
        With("Webhooks:CallbackPollSeconds", "0.2");
    }

    public Dictionary<string, IPAddress[]> Dns { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<CallbackHostResolver>(new FakeResolver(Dns)));
    }

    private sealed class FakeResolver(Dictionary<string, IPAddress[]> answers) : CallbackHostResolver
    {
        public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            answers.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : throw new System.Net.Sockets.SocketException(11001);
    }
}

public sealed class SsrfTests(SsrfFactory app) : IClassFixture<SsrfFactory>
{
    [Theory]
    [InlineData("http://127.0.0.1/hook", "loopback")]
    [InlineData("http://127.8.9.10:8080/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://localhost:5000/hook", "localhost")]
    [InlineData("http://api.localhost/hook", "localhost")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("http://172.16.0.1/hook", "private")]
    [InlineData("http://172.31.255.254/hook", "private")]
    [InlineData("http://192.168.1.10/hook", "private")]
    [InlineData("http://[fc00::1]/hook", "private")]
    [InlineData("http://[fd12:3456::1]/hook", "private")]
    [InlineData("http://169.254.10.20/hook", "link-local")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("http://[fd00:ec2::254]/hook", "metadata")]
    [InlineData("http://0.0.0.0/hook", "unspecified")]
    [InlineData("http://[::]/hook", "unspecified")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    [InlineData("http://[ff02::1]/hook", "multicast")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "loopback")]
    [InlineData("http://2130706433/hook", "loopback")] // 127.0.0.1 written as one number
    public async Task ACallbackUrlWithARefusedLiteralAddressIs400(string callbackUrl, string expectedReason)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = 0 }, callbackUrl });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        var error = Assert.Single(problem.GetProperty("errors").GetProperty("callbackUrl").EnumerateArray()).GetString();
        Assert.Contains(expectedReason, error);
        Assert.Equal(0, (await user.Client.GetFromJsonAsync<JsonElement>("/api/tasks")).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    public async Task ACallbackUrlThatIsNotAnAbsoluteHttpUrlIs400(string callbackUrl)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", callbackUrl });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("callbackUrl", out _));
    }

    [Fact]
    public async Task APublicCallbackUrlIsAccepted()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "external", payload = new { }, callbackUrl = "https://93.184.216.34/hook" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("10.0.0.7", "private")]
    [InlineData("192.168.0.2", "private")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "metadata")]
    public async Task AHostNameThatResolvesToARefusedAddressIsRefusedAtDelivery(string address, string expectedReason)
    {
        await using var receiver = await CallbackReceiver.StartAsync(_ => 200);
        var host = $"hook-{Guid.NewGuid():N}.example.test";
        app.Dns[host] = [IPAddress.Parse(address)];
        var user = await app.CreateUserAsync();

        var created = await user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = 0 }, callbackUrl = $"http://{host}:{receiver.Port}/hook" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode); // a host name passes the create-time check
        var taskId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();
        var view = await user.Client.WaitForCallbackStatusAsync(taskId, "failed");

        var attempt = Assert.Single(view.GetProperty("deliveries").EnumerateArray());
        Assert.False(attempt.GetProperty("succeeded").GetBoolean());
        Assert.StartsWith("Refused", attempt.GetProperty("error").GetString());
        Assert.Contains(expectedReason, attempt.GetProperty("error").GetString());
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task AHostNameThatResolvesToAPublicAddressIsNotRefused()
    {
        Assert.Null(CallbackTargetPolicy.Refusal(IPAddress.Parse("93.184.216.34")));
        Assert.Null(CallbackTargetPolicy.Refusal(IPAddress.Parse("2606:2800:220:1:248:1893:25c8:1946")));
        Assert.Null(CallbackTargetPolicy.Refusal(IPAddress.Parse("172.32.0.1")));
        Assert.Null(CallbackTargetPolicy.CheckUrl(new Uri("https://hooks.example.com/x"), allowPrivateTargets: false));
        Assert.Null(CallbackTargetPolicy.CheckUrl(new Uri("http://127.0.0.1/x"), allowPrivateTargets: true));
        await Task.CompletedTask;
    }
}
