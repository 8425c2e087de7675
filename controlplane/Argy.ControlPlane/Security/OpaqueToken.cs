using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Argy.ControlPlane.Security;

/// <summary>
/// Bearer secrets of the form <c>argy_{kind}_{id}_{secret}</c>. The id locates the stored record; only a
/// SHA-256 hash of the 256-bit random secret is stored, and it is compared in constant time. A fast hash is
/// right here because the secret has full entropy: there is nothing to brute-force.
/// </summary>
public static class OpaqueToken
{
    public const string ApiTokenKind = "pat";
    public const string EnrollmentKind = "enr";
    public const string AgentCredentialKind = "agk";

    public sealed record Issued(string Token, byte[] SecretHash);

    public readonly record struct Parsed(string Id, string Secret);

    /// <summary>Issues a token for the record whose id ends in <paramref name="idPart"/>.</summary>
    public static Issued Issue(string kind, string idPart)
    {
        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        var secretText = Base64Url.EncodeToString(secret);
        return new Issued($"argy_{kind}_{idPart}_{secretText}", Hash(secretText));
    }

    public static bool TryParse(string kind, string? token, out Parsed parsed)
    {
        parsed = default;
        var prefix = $"argy_{kind}_";
        if (token is null || token.Length > 256 || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = token.AsSpan(prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator <= 0 || separator == rest.Length - 1)
        {
            return false;
        }

        parsed = new Parsed(rest[..separator].ToString(), rest[(separator + 1)..].ToString());
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Verify(string secret, byte[]? storedHash) =>
        storedHash is { Length: 32 } && CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
