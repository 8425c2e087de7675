using System.Buffers.Text;
using System.Security.Cryptography;

namespace Argy.Protocol.Signing;

/// <summary>The signed metadata that opens an agent's stream in HMAC mode (the body is empty).</summary>
public sealed record ConnectSignature(string KeyId, long Timestamp, string Nonce, string Signature)
{
    /// <summary>SHA-256 of zero bytes: the body of requests that have none.</summary>
    public static ReadOnlySpan<byte> EmptyBodySha256 => SHA256Empty;

    private static readonly byte[] SHA256Empty = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>A fresh nonce: 128 random bits, base64url without padding (22 characters).</summary>
    public static string NewNonce()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }

    public static ConnectSignature Create(SigningKey key, string tenantId, string agentId, string nonce, long timestamp)
    {
        var fields = new SignedFields
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Nonce = nonce,
            TenantId = tenantId,
            Principal = agentId,
            Target = SigningScheme.ConnectTarget,
            BodySha256 = EmptyBodySha256,
        };
        return new ConnectSignature(key.KeyId, timestamp, nonce, HmacSignature.ComputeHex(key, fields));
    }
}
