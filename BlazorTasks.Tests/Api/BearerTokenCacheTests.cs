using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using BlazorTasks.Tests.Capabilities;
using BlazorTasks.Tests.Infrastructure;
using BlazorTasks.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BlazorTasks.Tests.Api;

public sealed class BearerTokenCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ARepeatedTokenIsUnprotectedOnceAndEachCallerGetsItsOwnCopy()
    {
        var inner = new CountingFormat(Ticket("alice", Start.AddHours(1)));
        var cache = new CachingTicketFormat(inner, new FakeTimeProvider(Start));

        var first = cache.Unprotect("token-a");
        var second = cache.Unprotect("token-a");

        Assert.Equal(1, inner.Calls);
        Assert.Equal("alice", first!.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal("alice", second!.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.NotSame(first.Principal, second.Principal);
        Assert.NotSame(first.Properties, second.Properties);
    }

    [Fact]
    public void ATokenThatDoesNotUnprotectIsNeverRemembered()
    {
        var inner = new CountingFormat(null);
        var cache = new CachingTicketFormat(inner, new FakeTimeProvider(Start));

        Assert.Null(cache.Unprotect("garbled"));
        Assert.Null(cache.Unprotect("garbled"));

        Assert.Equal(2, inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ARememberedTicketIsNotServedPastItsExpiry()
    {
        var clock = new FakeTimeProvider(Start);
        var inner = new CountingFormat(Ticket("alice", Start.AddMinutes(2)));
        var cache = new CachingTicketFormat(inner, clock);
        cache.Unprotect("token-a");

        clock.Advance(TimeSpan.FromMinutes(3));
        var late = cache.Unprotect("token-a");

        // Unprotected again (the token itself says when it expires; the handler refuses it).
        Assert.Equal(2, inner.Calls);
        Assert.True(late!.Properties.ExpiresUtc <= clock.GetUtcNow());
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ARememberedTicketIsCheckedAgainAfterTheMaximumAge()
    {
        var clock = new FakeTimeProvider(Start);
        var inner = new CountingFormat(Ticket("alice", Start.AddHours(1)));
        var cache = new CachingTicketFormat(inner, clock);
        cache.Unprotect("token-a");

        clock.Advance(CachingTicketFormat.MaxAge);
        cache.Unprotect("token-a");

        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public void TheCacheStaysWithinItsCapacity()
    {
        var inner = new CountingFormat(Ticket("alice", Start.AddHours(1)));
        var cache = new CachingTicketFormat(inner, new FakeTimeProvider(Start), capacity: 3);

        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(cache.Unprotect($"token-{i}"));
        }

        Assert.InRange(cache.Count, 1, 3);
    }

    [Fact]
    public void AnUnprotectWithAPurposeIsNotCached()
    {
        var inner = new CountingFormat(Ticket("alice", Start.AddHours(1)));
        var cache = new CachingTicketFormat(inner, new FakeTimeProvider(Start));

        cache.Unprotect("token-a", "other-purpose");
        cache.Unprotect("token-a", "other-purpose");

        Assert.Equal(2, inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    private static AuthenticationTicket Ticket(string userId, DateTimeOffset expires) =>
        new(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], IdentityConstants.BearerScheme)),
            new AuthenticationProperties { ExpiresUtc = expires },
            IdentityConstants.BearerScheme);

    private sealed class CountingFormat(AuthenticationTicket? ticket) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Calls { get; private set; }

        public string Protect(AuthenticationTicket data) => throw new NotSupportedException();

        public string Protect(AuthenticationTicket data, string? purpose) => throw new NotSupportedException();

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Calls++;
            return ticket;
        }
    }
}

/// <summary>The cache inside the real app: a cached token still authenticates, expiry and garbage are still refused.</summary>
public sealed class BearerTokenCacheAppTests(FakeClockFactory app) : IClassFixture<FakeClockFactory>
{
    [Fact]
    public void TheBearerSchemeUsesTheCachingProtector()
    {
        var options = app.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme);

        Assert.IsType<CachingTicketFormat>(options.BearerTokenProtector);
    }

    [Fact]
    public async Task ARepeatedTokenKeepsAuthenticatingUntilItExpires()
    {
        var user = await app.CreateUserAsync();

        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/tasks")).StatusCode);

        var expiration = app.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme).BearerTokenExpiration;
        app.Clock.Advance(expiration + TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/tasks")).StatusCode);
    }

    [Fact]
    public async Task AGarbledTokenIsRefusedEveryTime()
    {
        var user = await app.CreateUserAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken[..^4] + "AAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tasks")).StatusCode);
    }
}
