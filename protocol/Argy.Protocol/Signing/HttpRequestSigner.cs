using System.Globalization;
using System.Security.Cryptography;

namespace Argy.Protocol.Signing;

/// <summary>
/// Signs an HTTP request with the same scheme as the agent stream: agents calling the REST API, the control
/// plane's webhooks, service-to-service calls. The signed target is the method and the request target
/// (path and query) exactly as sent.
/// </summary>
public static class HttpRequestSigner
{
    /// <param name="request">An absolute request; its body must be <paramref name="body"/>.</param>
    /// <param name="principalHeader">The header naming the signer, e.g. x-argy-agent-id or x-argy-webhook-id.</param>
    public static void Sign(
        HttpRequestMessage request, SigningKey key, string tenantId, string principalHeader, string principal,
        ReadOnlySpan<byte> body, TimeProvider time)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("Sign an absolute URI: the signature covers the path exactly as sent.", nameof(request));
        }

        Span<byte> bodyHash = stackalloc byte[SigningScheme.HashSize];
        SHA256.HashData(body, bodyHash);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = ConnectSignature.NewNonce();
        var fields = new SignedFields
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Nonce = nonce,
            TenantId = tenantId,
            Principal = principal,
            Target = SigningScheme.HttpTarget(request.Method.Method, uri.PathAndQuery),
            BodySha256 = bodyHash,
        };
        var signature = HmacSignature.ComputeHex(key, fields);

        request.Headers.Remove(ProtocolHeaders.Signature);
        request.Headers.Add(ProtocolHeaders.TenantId, tenantId);
        request.Headers.Add(principalHeader, principal);
        request.Headers.Add(ProtocolHeaders.KeyId, key.KeyId);
        request.Headers.Add(ProtocolHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(ProtocolHeaders.Nonce, nonce);
        request.Headers.Add(ProtocolHeaders.Signature, signature);
    }
}
