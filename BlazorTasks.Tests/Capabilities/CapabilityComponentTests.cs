using System.Security.Claims;
using BlazorTasks.Core.Capabilities;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Auth;
using BlazorTasks.Web.Components.Pages.Dashboard;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace BlazorTasks.Tests.Capabilities;

/// <summary>The API keys page and the callback deliveries section, rendered against the real app's services and database.</summary>
public sealed class CapabilityComponentTests(CallbackFactory app) : BunitContext, IClassFixture<CallbackFactory>
{
    private async Task<TestUser> SignInAsync()
    {
        var user = await app.CreateUserAsync();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        var scope = app.Services.CreateScope();
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<ApiKeyService>());
        Services.AddSingleton(app.Services.GetRequiredService<CallbackDeliveries>());
        AddAuthorization().SetAuthorized(user.Email).SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
        return user;
    }

    [Fact]
    public async Task TheApiKeysPageCreatesAKeyShownOnceListsItAndRevokesIt()
    {
        await SignInAsync();
        var page = Render<ApiKeys>();
        page.WaitForAssertion(() => Assert.Contains("You have no API keys yet.", page.Markup));

        page.Find("#api-key-name").Input("ci pipeline");
        page.Find("form").Submit();

        var key = page.WaitForElement("[data-testid=new-api-key] code").TextContent;
        Assert.StartsWith("btk_", key);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/tasks")).StatusCode);
        Assert.Contains("ci pipeline", page.Find("table").TextContent);
        Assert.Contains(key[..12], page.Find("table").TextContent);

        page.Find("[data-testid=revoke-api-key]").Click();

        page.WaitForAssertion(() => Assert.Contains("revoked", page.Find("table").TextContent));
        Assert.Empty(page.FindAll("[data-testid=new-api-key]"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tasks")).StatusCode);
    }

    [Fact]
    public async Task TheCallbackSectionShowsEachDeliveryAttempt()
    {
        var user = await SignInAsync();
        await using var receiver = await CallbackReceiver.StartAsync(n => n == 1 ? 503 : 200);
        var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(
            user.Client, "/api/tasks", new { type = "simulated", payload = new { durationMs = 0 }, callbackUrl = receiver.BaseUrl + "/ui" });
        var taskId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("taskId").GetGuid();
        await user.Client.WaitForCallbackStatusAsync(taskId, "delivered");

        var section = Render<CallbackAttempts>(p => p.Add(c => c.TaskId, taskId));

        section.WaitForAssertion(() => Assert.Equal("delivered", section.Find("[data-testid=callback-status]").TextContent));
        var rows = section.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("503", rows[0].TextContent);
        Assert.Contains("200", rows[1].TextContent);
    }

    [Fact]
    public async Task TheCallbackSectionFollowsADeliveryUntilItEnds()
    {
        var user = await SignInAsync();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await CallbackReceiver.StartAsync((_, _) => release.Task);
        var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(
            user.Client, "/api/tasks", new { type = "simulated", payload = new { durationMs = 0 }, callbackUrl = receiver.BaseUrl + "/live" });
        var taskId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("taskId").GetGuid();

        var section = Render<CallbackAttempts>(p => p
            .Add(c => c.TaskId, taskId)
            .Add(c => c.RefreshInterval, TimeSpan.FromMilliseconds(50)));
        section.WaitForAssertion(() => Assert.NotEqual("delivered", section.Find("[data-testid=callback-status]").TextContent));
        release.SetResult(200);

        section.WaitForAssertion(() => Assert.Equal("delivered", section.Find("[data-testid=callback-status]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Single(section.FindAll("tbody tr"));
    }

    [Fact]
    public async Task TheCallbackSectionIsEmptyForATaskWithoutCallbackOrNotVisible()
    {
        var user = await SignInAsync();
        var other = await app.CreateUserAsync();
        var mine = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        var theirs = await other.Client.CreateTaskIdAsync("external", new { timeoutSeconds = 600 });

        Assert.Empty(Render<CallbackAttempts>(p => p.Add(c => c.TaskId, mine)).FindAll("[data-testid=callback-deliveries]"));
        Assert.Empty(Render<CallbackAttempts>(p => p.Add(c => c.TaskId, theirs)).FindAll("[data-testid=callback-deliveries]"));
    }
}
