using System.Security.Cryptography;
using System.Text;

namespace BlazorTasks.Core.Webhooks;

/// <summary>
/// Standard Webhooks v1 signatures (https://www.standardwebhooks.com/): HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{raw body}</c> with the secret's bytes, sent as
/// <c>v1,&lt;base64&gt;</c>; a header may carry several space-separated signatures.
/// </summary>
public sealed class StandardWebhook
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>How far a timestamp may be from now, either way.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly byte[] _key;

    public StandardWebhook(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        _key = Convert.FromBase64String(encoded);
    }

    /// <summary>A new random secret in the <c>whsec_</c> form.</summary>
    public static string GenerateSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(ComputeSignature(messageId, timestamp, body));

    public string Sign(string messageId, long timestamp, string body) => Sign(messageId, timestamp, Encoding.UTF8.GetBytes(body));

    /// <summary>Headers for sending <paramref name="body"/>: webhook-id, webhook-timestamp, webhook-signature.</summary>
    public IReadOnlyDictionary<string, string> CreateHeaders(string messageId, DateTimeOffset now, ReadOnlySpan<byte> body)
    {
        var timestamp = now.ToUnixTimeSeconds();
        return new Dictionary<string, string>
        {
            [IdHeader] = messageId,
            [TimestampHeader] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SignatureHeader] = Sign(messageId, timestamp, body),
        };
    }

    /// <summary>Checks the three headers against the raw body, in constant time per signature.</summary>
    public WebhookVerification Verify(string? messageId, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(messageId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatureHeader))
        {
            return WebhookVerification.Fail("Missing webhook-id, webhook-timestamp or webhook-signature header.");
        }

        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookVerification.Fail("webhook-timestamp is not a Unix time in seconds.");
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (sent < now - Tolerance)
        {
            return WebhookVerification.Fail("webhook-timestamp is too old.");
        }

        if (sent > now + Tolerance)
        {
            return WebhookVerification.Fail("webhook-timestamp is too far in the future.");
        }

        var expected = ComputeSignature(messageId, seconds, body);
        Span<byte> candidate = stackalloc byte[64];
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = part.IndexOf(',');
            if (comma < 0 || !part.AsSpan(0, comma).SequenceEqual("v1"))
            {
                continue;
            }

            if (Convert.TryFromBase64String(part[(comma + 1)..], candidate, out var written)
                && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(candidate[..written], expected))
            {
                return WebhookVerification.Valid;
            }
        }

        return WebhookVerification.Fail("No webhook-signature matches the body.");
    }

    private byte[] ComputeSignature(string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}

public sealed record WebhookVerification(bool IsValid, string? Error)
{
    public static WebhookVerification Valid { get; } = new(true, null);

    public static WebhookVerification Fail(string error) => new(false, error);
}
