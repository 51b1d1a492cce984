using System.Net;
using System.Net.Http.Json;
using BlazorTasks.Tests.Infrastructure;

namespace BlazorTasks.Tests.Events;

public sealed class EventStreamBacklogTests(AdminFirstFactory app) : IClassFixture<AdminFirstFactory>
{
    [Fact]
    public async Task AReaderThatFallsFarBehindStillGetsEveryEventOnceInOrder()
    {
        var user = await app.CreateUserAsync();
        await using var stream = await EventStream.OpenAsync(user.Client, "/api/tasks/events");

        // Far more events than a subscriber's buffer holds, while the client reads nothing.
        var creates = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ =>
            user.Client.PostAsJsonAsync("/api/tasks", new { type = "simulated", payload = new { durationMs = 0, steps = 1 } })));
        Assert.All(creates, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        foreach (var response in creates)
        {
            await user.Client.WaitForTerminalAsync((await response.ReadJsonAsync()).GetProperty("taskId").GetGuid());
        }

        var expected = await app.EventIdsAfterAsync(user.Id, 0);
        Assert.True(expected.Count > 1024, $"Only {expected.Count} events: not enough to overflow a subscriber.");

        var received = new List<long>();
        while (received.Count < expected.Count)
        {
            received.Add((await stream.NextAsync())!.Id);
        }

        Assert.Equal(expected, received);
    }
}
