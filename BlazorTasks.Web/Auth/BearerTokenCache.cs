using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Auth;

/// <summary>
/// Remembers the tickets of bearer tokens it has already unprotected, so a program's repeated requests
/// with the same token skip Data Protection's decryption and key derivation (the largest cost of
/// authenticating a request). Only tokens that unprotected to a ticket with an expiry are remembered,
/// never past that expiry nor longer than <see cref="MaxAge"/>; a token that does not unprotect is never
/// remembered, so a garbled or forged one still fails every time. Each caller gets its own copy of the
/// ticket, so nothing one request does to its principal reaches another.
/// </summary>
public sealed class CachingTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider time, int capacity = CachingTicketFormat.DefaultCapacity)
    : ISecureDataFormat<AuthenticationTicket>
{
    public const int DefaultCapacity = 10_000;

    /// <summary>How long a remembered ticket is trusted without unprotecting the token again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null || purpose is not null)
        {
            return inner.Unprotect(protectedText, purpose);
        }

        var now = time.GetUtcNow();
        if (_entries.TryGetValue(protectedText, out var entry))
        {
            if (now < entry.TrustedUntil)
            {
                return Copy(entry.Ticket);
            }

            _entries.TryRemove(KeyValuePair.Create(protectedText, entry));
        }

        var ticket = inner.Unprotect(protectedText);
        if (ticket?.Properties.ExpiresUtc is { } expires && expires > now)
        {
            if (_entries.Count >= capacity)
            {
                Trim(now);
            }

            var trustedUntil = expires < now + MaxAge ? expires : now + MaxAge;
            _entries[protectedText] = new Entry(Copy(ticket), trustedUntil);
        }

        return ticket;
    }

    /// <summary>Drops what is no longer trusted; if the cache is still full, starts over.</summary>
    private void Trim(DateTimeOffset now)
    {
        foreach (var (token, entry) in _entries)
        {
            if (now >= entry.TrustedUntil)
            {
                _entries.TryRemove(KeyValuePair.Create(token, entry));
            }
        }

        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
    }

    private static AuthenticationTicket Copy(AuthenticationTicket ticket) =>
        new(ticket.Principal.Clone(), ticket.Properties.Clone(), ticket.AuthenticationScheme);

    private sealed record Entry(AuthenticationTicket Ticket, DateTimeOffset TrustedUntil);
}

/// <summary>Wraps Identity's bearer token protector (set up by the bearer scheme) in a <see cref="CachingTicketFormat"/>.</summary>
internal sealed class BearerTokenCacheSetup(TimeProvider time) : IPostConfigureOptions<BearerTokenOptions>
{
    public void PostConfigure(string? name, BearerTokenOptions options)
    {
        if (name == IdentityConstants.BearerScheme && options.BearerTokenProtector is not CachingTicketFormat)
        {
            options.BearerTokenProtector = new CachingTicketFormat(options.BearerTokenProtector, time);
        }
    }
}
