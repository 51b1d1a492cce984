using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using BlazorTasks.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Auth;

public sealed record ApiKeyInfo(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public bool IsActive => RevokedAt is null;
}

/// <summary>The key itself is only in this answer; afterwards only its prefix is ever shown.</summary>
public sealed record ApiKeyCreated(Guid Id, string Name, string Prefix, string Key, DateTime CreatedAt);

/// <summary>
/// Personal API keys: created with a random secret shown once, stored as a SHA-256 hash, listed with
/// their last use, revocable. One short-lived <see cref="ApplicationDbContext"/> per operation, so the
/// service is safe in a long-lived Blazor circuit.
/// </summary>
public sealed class ApiKeyService(DbContextOptions<ApplicationDbContext> dbOptions, TimeProvider time)
{
    public const string KeyPrefix = "btk_";
    public const int MaxNameLength = 100;
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<ApiKeyCreated> CreateAsync(string userId, string name, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        ArgumentException.ThrowIfNullOrEmpty(name);
        var key = KeyPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var apiKey = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name.Length > MaxNameLength ? name[..MaxNameLength] : name,
            Prefix = key[..12],
            KeyHash = Hash(key),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        await using var db = new ApplicationDbContext(dbOptions);
        db.ApiKeys.Add(apiKey);
        await db.SaveChangesAsync(cancellationToken);
        return new ApiKeyCreated(apiKey.Id, apiKey.Name, apiKey.Prefix, key, apiKey.CreatedAt);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = new ApplicationDbContext(dbOptions);
        return await db.ApiKeys.AsNoTracking()
            .Where(k => k.UserId == userId)
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyInfo(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Revokes one of the user's keys; false when there is no such active key.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid keyId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = new ApplicationDbContext(dbOptions);
        return await db.ApiKeys
            .Where(k => k.Id == keyId && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken) == 1;
    }

    /// <summary>The user id of an active key, or null; records the use (at most once a minute).</summary>
    public async Task<string?> AuthenticateAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length > 200)
        {
            return null;
        }

        var hash = Hash(key);
        await using var db = new ApplicationDbContext(dbOptions);
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.Id, k.UserId, k.LastUsedAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (found.LastUsedAt is null || now - found.LastUsedAt.Value >= LastUsedResolution)
        {
            var staleBefore = now - LastUsedResolution;
            await db.ApiKeys
                .Where(k => k.Id == found.Id && (k.LastUsedAt == null || k.LastUsedAt <= staleBefore))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        }

        return found.UserId;
    }

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Authenticates <c>X-Api-Key: btk_…</c> as the key's owner, with the owner's roles.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService apiKeys,
    UserManager<ApplicationUser> users,
    IUserClaimsPrincipalFactory<ApplicationUser> principals) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return AuthenticateResult.NoResult();
        }

        var userId = await apiKeys.AuthenticateAsync(values.ToString().Trim(), Context.RequestAborted);
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        if (user is null)
        {
            return AuthenticateResult.Fail("The API key is invalid or was revoked.");
        }

        var principal = await principals.CreateAsync(user);
        var identity = new System.Security.Claims.ClaimsIdentity(principal.Claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new System.Security.Claims.ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SchemeName;
        return Task.CompletedTask;
    }
}
