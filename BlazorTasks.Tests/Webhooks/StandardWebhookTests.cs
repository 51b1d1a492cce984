using System.Text;
using BlazorTasks.Core.Webhooks;
using Microsoft.AspNetCore.Http;
using Package = StandardWebhooks;

namespace BlazorTasks.Tests.Webhooks;

public sealed class StandardWebhookTests
{
    // The test vector of the Standard Webhooks specification.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = "{\"test\": 2432232314}";
    private const string ExpectedSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
    private static readonly StandardWebhook Webhook = new(Secret);

    private static WebhookVerification Verify(string? id = MessageId, string? timestamp = "1614265330", string? signature = ExpectedSignature, string body = Body, DateTimeOffset? now = null) =>
        Webhook.Verify(id, timestamp, signature, Encoding.UTF8.GetBytes(body), now ?? SentAt);

    [Fact]
    public void SigningTheSpecVectorGivesTheSpecSignature() =>
        Assert.Equal(ExpectedSignature, Webhook.Sign(MessageId, Timestamp, Body));

    [Fact]
    public void TheSpecVectorVerifies()
    {
        var verification = Verify();
        Assert.True(verification.IsValid, verification.Error);
        Assert.Null(verification.Error);
    }

    [Fact]
    public void CreatedHeadersCarryIdTimestampAndSignature()
    {
        var headers = Webhook.CreateHeaders(MessageId, SentAt, Encoding.UTF8.GetBytes(Body));

        Assert.Equal(MessageId, headers["webhook-id"]);
        Assert.Equal("1614265330", headers["webhook-timestamp"]);
        Assert.Equal(ExpectedSignature, headers["webhook-signature"]);
    }

    [Fact]
    public void ATamperedBodyIsRejected()
    {
        var verification = Verify(body: "{\"test\": 2432232315}");
        Assert.False(verification.IsValid);
        Assert.Contains("signature", verification.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ATamperedIdOrTimestampIsRejected()
    {
        Assert.False(Verify(id: "msg_other").IsValid);
        Assert.False(Verify(timestamp: "1614265331", now: SentAt).IsValid);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(-3600)]
    public void ATimestampMoreThanFiveMinutesOldIsRejected(int offsetSeconds)
    {
        var verification = Verify(now: SentAt - TimeSpan.FromSeconds(offsetSeconds));
        Assert.False(verification.IsValid);
        Assert.Contains("too old", verification.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(3600)]
    public void ATimestampMoreThanFiveMinutesAheadIsRejected(int offsetSeconds)
    {
        var verification = Verify(now: SentAt - TimeSpan.FromSeconds(offsetSeconds));
        Assert.False(verification.IsValid);
        Assert.Contains("future", verification.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void ATimestampWithinFiveMinutesIsAccepted(int offsetSeconds) =>
        Assert.True(Verify(now: SentAt + TimeSpan.FromSeconds(offsetSeconds)).IsValid);

    [Theory]
    [InlineData(null, "1614265330", ExpectedSignature)]
    [InlineData(MessageId, null, ExpectedSignature)]
    [InlineData(MessageId, "1614265330", null)]
    [InlineData("", "1614265330", ExpectedSignature)]
    public void AMissingHeaderIsRejected(string? id, string? timestamp, string? signature)
    {
        var verification = Verify(id, timestamp, signature);
        Assert.False(verification.IsValid);
        Assert.Contains("Missing", verification.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1614265330")]
    [InlineData("1614265330.5")]
    public void ATimestampThatIsNotUnixSecondsIsRejected(string timestamp) =>
        Assert.False(Verify(timestamp: timestamp).IsValid);

    [Fact]
    public void OneValidSignatureAmongSeveralIsEnough()
    {
        var header = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc " + ExpectedSignature + " v1,bm90LWEtc2lnbmF0dXJl";
        Assert.True(Verify(signature: header).IsValid);
    }

    [Theory]
    [InlineData("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,bm90LWEtc2lnbmF0dXJl")]
    [InlineData("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v1,not base64!")]
    [InlineData("v1,")]
    public void HeadersWithoutAMatchingV1SignatureAreRejected(string header) =>
        Assert.False(Verify(signature: header).IsValid);

    [Fact]
    public void ASignatureMadeWithAnotherSecretIsRejected()
    {
        var other = new StandardWebhook(StandardWebhook.GenerateSecret());
        var signature = other.Sign(MessageId, Timestamp, Body);

        Assert.NotEqual(ExpectedSignature, signature);
        Assert.False(Verify(signature: signature).IsValid);
    }

    [Fact]
    public void GeneratedSecretsHaveTheWhsecFormAndDiffer()
    {
        var first = StandardWebhook.GenerateSecret();
        var second = StandardWebhook.GenerateSecret();

        Assert.StartsWith("whsec_", first, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(first["whsec_".Length..]).Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void OurSignatureVerifiesWithTheIndependentStandardWebhooksPackage()
    {
        var now = DateTimeOffset.UtcNow;
        var body = "{\"taskId\":\"0195f0c3-1111-7000-8000-000000000001\",\"status\":\"completed\"}";
        var headers = new HeaderDictionary();
        foreach (var (name, value) in Webhook.CreateHeaders("msg_cross_check", now, Encoding.UTF8.GetBytes(body)))
        {
            headers[name] = value;
        }

        var theirs = new Package.StandardWebhook(Secret);
        theirs.Verify(body, headers); // throws WebhookVerificationException when it does not verify

        headers["webhook-signature"] = new StandardWebhook(StandardWebhook.GenerateSecret()).Sign("msg_cross_check", now.ToUnixTimeSeconds(), body);
        Assert.ThrowsAny<Exception>(() => theirs.Verify(body, headers));
    }

    [Fact]
    public void TheIndependentPackagesSignatureVerifiesWithOurs()
    {
        var theirs = new Package.StandardWebhook(Secret);

        Assert.Equal(ExpectedSignature, theirs.Sign(MessageId, SentAt, Body));

        var now = DateTimeOffset.UtcNow;
        var body = "{\"taskId\":\"0195f0c3-1111-7000-8000-000000000001\",\"status\":\"failed\",\"error\":\"boom\"}";
        var signature = theirs.Sign("msg_from_package", now, body);
        var verification = Webhook.Verify("msg_from_package", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Encoding.UTF8.GetBytes(body), now);
        Assert.True(verification.IsValid, verification.Error);
    }
}
