using System.Net;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BlazorTasks.Tests.Api;

/// <summary>A fresh app per class: the order of registrations here is the test.</summary>
public sealed class AccountRolesTests(BlazorTasksFactory app) : IClassFixture<BlazorTasksFactory>
{
    [Fact]
    public async Task TheFirstRegisteredUserIsAdminAndTheSecondIsNot()
    {
        var first = await app.CreateUserAsync();
        var second = await app.CreateUserAsync();

        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.Equal(["admin"], await users.GetRolesAsync((await users.FindByIdAsync(first.Id))!));
            Assert.Equal(["user"], await users.GetRolesAsync((await users.FindByIdAsync(second.Id))!));
        }

        // And it shows in behaviour: only the first may list everyone's tasks.
        var secondTask = await second.Client.CreateTaskIdAsync("external");
        var all = await first.Client.GetAsync("/api/tasks?scope=all");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Contains(
            secondTask,
            (await all.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("taskId").GetGuid()));
        await (await second.Client.GetAsync("/api/tasks?scope=all")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
