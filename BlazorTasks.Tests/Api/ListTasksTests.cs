using System.Net;
using System.Text.Json;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Api;

public sealed class ListTasksTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    private static List<Guid> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("taskId").GetGuid()).ToList();

    private static async Task<JsonElement> ListAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/api/tasks" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    [Fact]
    public async Task TheCallersTasksComeNewestFirstWithPageInfo()
    {
        var user = await app.CreateUserAsync();
        var other = await app.CreateUserAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await user.Client.CreateTaskIdAsync("external"));
        }

        await other.Client.CreateTaskIdAsync("external");

        var page = await ListAsync(user.Client);

        Assert.Equal(Enumerable.Reverse(created).ToList(), Ids(page));
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(20, page.GetProperty("pageSize").GetInt32());
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        var first = page.GetProperty("items")[0];
        Assert.Equal("external", first.GetProperty("type").GetString());
        Assert.True(first.TryGetProperty("maxAttempts", out _));
    }

    [Fact]
    public async Task TasksCreatedInQuickSuccessionStillListNewestFirst()
    {
        // In memory a create takes well under a millisecond, so many of these share their createdAt.
        var user = await app.CreateUserAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            created.Add(await user.Client.CreateTaskIdAsync("external"));
        }

        var page = await ListAsync(user.Client, "?pageSize=100");

        Assert.Equal(Enumerable.Reverse(created).ToList(), Ids(page));
    }

    [Fact]
    public async Task StatusAndTypeFiltersNarrowTheList()
    {
        var user = await app.CreateUserAsync();
        var completed = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0 });
        var failed = await user.Client.CreateTaskIdAsync("simulated", new { durationMs = 0, fail = true });
        var external = await user.Client.CreateTaskIdAsync("external");
        await user.Client.WaitForTerminalAsync(completed);
        await user.Client.WaitForTerminalAsync(failed);

        Assert.Equal([completed], Ids(await ListAsync(user.Client, "?status=completed")));
        Assert.Equal([failed], Ids(await ListAsync(user.Client, "?status=failed")));
        Assert.Equal([external], Ids(await ListAsync(user.Client, "?type=external")));
        Assert.Equal([failed, completed], Ids(await ListAsync(user.Client, "?type=simulated")));
        Assert.Equal([completed], Ids(await ListAsync(user.Client, "?type=simulated&status=completed")));
        var none = await ListAsync(user.Client, "?type=external&status=completed");
        Assert.Empty(Ids(none));
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task PagesSplitTheListWithoutGapsOrOverlap()
    {
        var user = await app.CreateUserAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await user.Client.CreateTaskIdAsync("external"));
        }

        var first = await ListAsync(user.Client, "?page=1&pageSize=2");
        var second = await ListAsync(user.Client, "?page=2&pageSize=2");
        var third = await ListAsync(user.Client, "?page=3&pageSize=2");
        var beyond = await ListAsync(user.Client, "?page=4&pageSize=2");

        Assert.Equal(Enumerable.Reverse(created).ToList(), [.. Ids(first), .. Ids(second), .. Ids(third)]);
        Assert.Single(Ids(third));
        Assert.Empty(Ids(beyond));
        Assert.Equal(2, second.GetProperty("page").GetInt32());
        Assert.Equal(2, second.GetProperty("pageSize").GetInt32());
        Assert.Equal(5, second.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("?pageSize=101", "pageSize")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=abc", "pageSize")]
    [InlineData("?page=0", "page")]
    [InlineData("?page=-1", "page")]
    [InlineData("?status=done", "status")]
    [InlineData("?scope=everyone", "scope")]
    public async Task AnInvalidQueryIsA400NamingTheParameter(string query, string field)
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync("/api/tasks" + query);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.ErrorsFor(field));
    }

    [Theory]
    [InlineData("?page=2147483647")]
    [InlineData("?page=21474837&pageSize=100")]
    public async Task APageFarBeyondTheEndIsEmptyNotAnError(string query)
    {
        var user = await app.CreateUserAsync();
        await user.Client.CreateTaskIdAsync("external");

        var page = await ListAsync(user.Client, query);

        Assert.Empty(Ids(page));
        Assert.Equal(1, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task APageSizeOf100IsAllowed()
    {
        var user = await app.CreateUserAsync();

        var page = await ListAsync(user.Client, "?pageSize=100");

        Assert.Equal(100, page.GetProperty("pageSize").GetInt32());
    }

    [Fact]
    public async Task AnAdminSeesEveryonesTasksWithScopeAllAndOnlyTheirOwnWithout()
    {
        var first = await app.CreateUserAsync();
        var second = await app.CreateUserAsync();
        var firstTask = await first.Client.CreateTaskIdAsync("external");
        var secondTask = await second.Client.CreateTaskIdAsync("external");
        var adminTask = await app.Admin.Client.CreateTaskIdAsync("external");

        var all = Ids(await ListAsync(app.Admin.Client, "?scope=all&pageSize=100"));
        var mine = Ids(await ListAsync(app.Admin.Client, "?pageSize=100"));

        Assert.Contains(firstTask, all);
        Assert.Contains(secondTask, all);
        Assert.Contains(adminTask, all);
        Assert.Contains(adminTask, mine);
        Assert.DoesNotContain(firstTask, mine);
        Assert.DoesNotContain(secondTask, mine);
    }

    [Fact]
    public async Task ANonAdminAskingForScopeAllIsA403Problem()
    {
        var user = await app.CreateUserAsync();

        var response = await user.Client.GetAsync("/api/tasks?scope=all");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("scope=all", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnauthenticatedListIsA401Problem()
    {
        var response = await app.CreateClient().GetAsync("/api/tasks");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
