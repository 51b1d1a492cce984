using BlazorTasks.Web.Capabilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BlazorTasks.Tests.Capabilities;

public sealed class TaskCreateRateLimitTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private TaskCreateRateLimit Limit(int perMinute) =>
        new(Options.Create(new LimitOptions { TaskCreatesPerMinute = perMinute }), _time);

    [Fact]
    public void AllowsTheLimitPerWindowThenTellsHowLongUntilTheWindowEnds()
    {
        var limit = Limit(2);
        Assert.Null(limit.TryAcquire("alice"));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(limit.TryAcquire("alice"));

        Assert.Equal(TimeSpan.FromSeconds(40), limit.TryAcquire("alice"));
        _time.Advance(TimeSpan.FromSeconds(39));
        Assert.Equal(TimeSpan.FromSeconds(1), limit.TryAcquire("alice"));
    }

    [Fact]
    public void ANewWindowStartsWhenTheOldOneEnds()
    {
        var limit = Limit(1);
        Assert.Null(limit.TryAcquire("alice"));
        Assert.NotNull(limit.TryAcquire("alice"));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(limit.TryAcquire("alice"));
        Assert.NotNull(limit.TryAcquire("alice"));
    }

    [Fact]
    public void EachUserHasTheirOwnWindow()
    {
        var limit = Limit(1);
        Assert.Null(limit.TryAcquire("alice"));
        Assert.NotNull(limit.TryAcquire("alice"));
        Assert.Null(limit.TryAcquire("bob"));
    }

    [Fact]
    public void ForgettingIdleUsersDoesNotResetAnActiveWindow()
    {
        var limit = Limit(1);
        Assert.Null(limit.TryAcquire("alice"));
        for (var i = 0; i < 2048; i++)
        {
            // Other users' requests run the clean-up of idle users twice meanwhile.
            _time.Advance(TimeSpan.FromMilliseconds(10));
            limit.TryAcquire("user-" + i);
        }

        Assert.NotNull(limit.TryAcquire("alice"));
    }
}
