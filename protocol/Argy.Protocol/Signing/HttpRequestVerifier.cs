using System.Globalization;
using System.Security.Cryptography;

namespace Argy.Protocol.Signing;

/// <summary>What a signed HTTP request claims, read from its headers.</summary>
public sealed record SignedRequestClaims(string TenantId, string Principal, string KeyId);

/// <summary>The outcome of verifying a signed HTTP request; <see cref="Claims"/> is set when the headers were readable.</summary>
public sealed record HttpVerification(SignatureCheck Check, SignedRequestClaims? Claims)
{
    public bool IsValid => Check == SignatureCheck.Valid;
}

/// <summary>
/// Verifies a request signed by <see cref="HttpRequestSigner"/>: the recipe of protocol/signing.md for
/// receivers of webhooks and service-to-service calls.
/// </summary>
public sealed class HttpRequestVerifier(SignatureVerifier verifier)
{
    /// <param name="method">The request method, e.g. POST.</param>
    /// <param name="requestTarget">Path and query exactly as received on the request line (not decoded).</param>
    /// <param name="header">Reads a request header by name; null when absent.</param>
    /// <param name="body">The raw request body.</param>
    /// <param name="principalHeader">Which header names the signer (x-argy-agent-id, x-argy-webhook-id).</param>
    /// <param name="findKey">The valid key of this signer with this key id, or null.</param>
    public HttpVerification Verify(
        string method,
        string requestTarget,
        Func<string, string?> header,
        ReadOnlySpan<byte> body,
        string principalHeader,
        Func<SignedRequestClaims, SigningKey?> findKey)
    {
        var tenantId = header(ProtocolHeaders.TenantId);
        var principal = header(principalHeader);
        var keyId = header(ProtocolHeaders.KeyId);
        var timestampText = header(ProtocolHeaders.Timestamp);
        var nonce = header(ProtocolHeaders.Nonce);
        var signature = header(ProtocolHeaders.Signature);
        if (tenantId is null || principal is null || keyId is null || nonce is null || signature is null
            || !TryParseTimestamp(timestampText, out var timestamp))
        {
            return new HttpVerification(SignatureCheck.Malformed, null);
        }

        var claims = new SignedRequestClaims(tenantId, principal, keyId);
        Span<byte> bodyHash = stackalloc byte[SigningScheme.HashSize];
        SHA256.HashData(body, bodyHash);
        var fields = new SignedFields
        {
            KeyId = keyId,
            Timestamp = timestamp,
            Nonce = nonce,
            TenantId = tenantId,
            Principal = principal,
            Target = SigningScheme.HttpTarget(method, requestTarget),
            BodySha256 = bodyHash,
        };
        if (!CanonicalString.IsValid(fields))
        {
            return new HttpVerification(SignatureCheck.Malformed, claims);
        }

        return new HttpVerification(verifier.Verify(fields, signature, findKey(claims)), claims);
    }

    /// <summary>Decimal Unix seconds as the signer wrote them: digits only, no sign, no leading zero.</summary>
    public static bool TryParseTimestamp(string? text, out long timestamp)
    {
        timestamp = 0;
        return text is { Length: > 0 and <= 19 }
               && (text.Length == 1 || text[0] != '0')
               && text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0
               && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp);
    }
}
