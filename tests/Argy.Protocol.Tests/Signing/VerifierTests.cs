using System.Text;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Argy.Protocol.Tests.Signing;

public sealed class VerifierTests
{
    private static readonly SigningKey Key = new("key_a", "0123456789abcdef0123456789abcdef");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

    private SignatureVerifier Verifier(NonceCache? nonces = null) =>
        new(_time, nonces ?? new NonceCache(_time, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew);

    private static (string Signature, byte[] BodyHash) Sign(long timestamp, string nonce, string tenant = "ten_1")
    {
        var bodyHash = System.Security.Cryptography.SHA256.HashData("body"u8);
        return (HmacSignature.ComputeHex(Key, Fields(timestamp, nonce, bodyHash, tenant)), bodyHash);
    }

    private static SignedFields Fields(long timestamp, string nonce, byte[] bodyHash, string tenant = "ten_1") => new()
    {
        KeyId = "key_a",
        Timestamp = timestamp,
        Nonce = nonce,
        TenantId = tenant,
        Principal = "agt_1",
        Target = SigningScheme.ConnectTarget,
        BodySha256 = bodyHash,
    };

    [Theory]
    [InlineData(-300, SignatureCheck.Valid)]
    [InlineData(300, SignatureCheck.Valid)]
    [InlineData(-301, SignatureCheck.OutsideClockSkew)]
    [InlineData(301, SignatureCheck.OutsideClockSkew)]
    public void Timestamps_within_300_seconds_either_way_are_accepted(int offsetSeconds, SignatureCheck expected)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds() + offsetSeconds;
        var (signature, bodyHash) = Sign(timestamp, "n1");

        Verifier().Verify(Fields(timestamp, "n1", bodyHash), signature, Key).Should().Be(expected);
    }

    [Fact]
    public void A_nonce_is_refused_the_second_time_until_its_timestamp_is_too_old_anyway()
    {
        var verifier = Verifier();
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds() + 300;
        var (signature, bodyHash) = Sign(timestamp, "once");

        verifier.Verify(Fields(timestamp, "once", bodyHash), signature, Key).Should().Be(SignatureCheck.Valid);
        verifier.Verify(Fields(timestamp, "once", bodyHash), signature, Key).Should().Be(SignatureCheck.Replayed);

        // The timestamp at the edge of the future window stays acceptable for 600 s: the nonce must be remembered as long.
        _time.Advance(TimeSpan.FromSeconds(599));
        verifier.Verify(Fields(timestamp, "once", bodyHash), signature, Key).Should().Be(SignatureCheck.Replayed);
        _time.Advance(TimeSpan.FromSeconds(2));
        verifier.Verify(Fields(timestamp, "once", bodyHash), signature, Key).Should().Be(SignatureCheck.OutsideClockSkew);
    }

    [Fact]
    public void Nonces_are_per_signer()
    {
        var verifier = Verifier();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var (first, hash) = Sign(now, "same");
        var (second, _) = Sign(now, "same", tenant: "ten_2");

        verifier.Verify(Fields(now, "same", hash), first, Key).Should().Be(SignatureCheck.Valid);
        verifier.Verify(Fields(now, "same", hash, tenant: "ten_2"), second, Key).Should().Be(SignatureCheck.Valid);
    }

    [Fact]
    public void Failed_checks_do_not_consume_the_nonce()
    {
        var verifier = Verifier();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var (signature, hash) = Sign(now, "n");

        verifier.Verify(Fields(now, "n", hash), new string('0', 64), Key).Should().Be(SignatureCheck.BadSignature);
        verifier.Verify(Fields(now, "n", hash), signature, Key).Should().Be(SignatureCheck.Valid);
    }

    [Fact]
    public void Wrong_key_garbage_and_malformed_fields_are_told_apart()
    {
        var verifier = Verifier();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var (signature, hash) = Sign(now, "n");

        verifier.Verify(Fields(now, "n", hash), signature, null).Should().Be(SignatureCheck.UnknownKey);
        verifier.Verify(Fields(now, "n", hash), signature, new SigningKey("key_b", "0123456789abcdef0123456789abcdef")).Should().Be(SignatureCheck.UnknownKey);
        verifier.Verify(Fields(now, "n", hash), signature, new SigningKey("key_a", "another secret of enough length")).Should().Be(SignatureCheck.BadSignature);
        verifier.Verify(Fields(now, "n", hash), "not hex at all", Key).Should().Be(SignatureCheck.BadSignature);
        verifier.Verify(Fields(now, "n\nx", hash), signature, Key).Should().Be(SignatureCheck.Malformed);
        verifier.Verify(Fields(now, "n", hash, tenant: ""), signature, Key).Should().Be(SignatureCheck.Malformed);
    }

    [Fact]
    public void The_nonce_memory_must_cover_twice_the_skew()
    {
        var tooShort = () => new SignatureVerifier(_time, new NonceCache(_time, TimeSpan.FromSeconds(599)), TimeSpan.FromSeconds(300));
        var tooLax = () => new SignatureVerifier(_time, new NonceCache(_time, TimeSpan.FromHours(1)), TimeSpan.FromSeconds(301));

        tooShort.Should().Throw<ArgumentException>();
        tooLax.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_full_nonce_memory_refuses_new_nonces_instead_of_forgetting_old_ones()
    {
        var cache = new NonceCache(_time, TimeSpan.FromMinutes(10), capacity: 2);

        cache.TryUse("s", "1").Should().BeTrue();
        cache.TryUse("s", "2").Should().BeTrue();
        cache.TryUse("s", "3").Should().BeFalse();
        _time.Advance(TimeSpan.FromMinutes(10));
        cache.TryUse("s", "3").Should().BeTrue("expired entries make room");
        cache.Count.Should().Be(1);
    }

    [Fact]
    public void The_webhook_vector_verifies_with_the_http_recipe()
    {
        var vector = TestVector.Named("webhook");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(vector.Timestamp + 42));
        var verifier = new HttpRequestVerifier(new SignatureVerifier(time, new NonceCache(time, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["X-Argy-Tenant-Id"] = vector.TenantId,
            ["X-Argy-Webhook-Id"] = vector.Principal,
            ["X-Argy-Key-Id"] = vector.KeyId,
            ["X-Argy-Timestamp"] = vector.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["X-Argy-Nonce"] = vector.Nonce,
            ["X-Argy-Signature"] = vector.Signature,
        };
        SigningKey? Lookup(SignedRequestClaims claims) => claims.Principal == vector.Principal && claims.KeyId == vector.KeyId ? vector.Key() : null;

        var first = verifier.Verify("POST", "/hooks/argy?source=argy", headers.GetValueOrDefault, vector.Body(), ProtocolHeaders.WebhookId, Lookup);
        var again = verifier.Verify("POST", "/hooks/argy?source=argy", headers.GetValueOrDefault, vector.Body(), ProtocolHeaders.WebhookId, Lookup);
        var otherPath = verifier.Verify("POST", "/hooks/other", headers.GetValueOrDefault, vector.Body(), ProtocolHeaders.WebhookId, Lookup);
        var otherBody = verifier.Verify("POST", "/hooks/argy?source=argy", headers.GetValueOrDefault, Encoding.UTF8.GetBytes(vector.BodyUtf8! + " "), ProtocolHeaders.WebhookId, Lookup);

        first.Check.Should().Be(SignatureCheck.Valid);
        first.Claims!.TenantId.Should().Be(vector.TenantId);
        again.Check.Should().Be(SignatureCheck.Replayed);
        otherPath.Check.Should().Be(SignatureCheck.BadSignature);
        otherBody.Check.Should().Be(SignatureCheck.BadSignature);
    }

    [Fact]
    public void A_request_signed_by_the_http_signer_verifies_and_a_missing_header_is_malformed()
    {
        var body = "{\"a\":1}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://argy.example/api/v1/things?x=1%202");
        HttpRequestSigner.Sign(request, Key, "ten_1", ProtocolHeaders.AgentId, "agt_1", body, _time);
        string? Header(string name) => request.Headers.TryGetValues(name, out var values) ? values.Single() : null;
        var verifier = new HttpRequestVerifier(Verifier());

        verifier.Verify("POST", "/api/v1/things?x=1%202", Header, body, ProtocolHeaders.AgentId, _ => Key).Check.Should().Be(SignatureCheck.Valid);
        verifier.Verify("POST", "/api/v1/things?x=1%202", name => name == ProtocolHeaders.Nonce ? null : Header(name), body, ProtocolHeaders.AgentId, _ => Key)
            .Check.Should().Be(SignatureCheck.Malformed);
        verifier.Verify("POST", "/api/v1/things?x=1%202", name => name == ProtocolHeaders.Timestamp ? "0123" : Header(name), body, ProtocolHeaders.AgentId, _ => Key)
            .Check.Should().Be(SignatureCheck.Malformed);
    }
}
