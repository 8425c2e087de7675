using System.Buffers;
using System.Security.Cryptography;

namespace Argy.Protocol.Signing;

/// <summary>HMAC-SHA256 over the canonical string, written and compared without allocating.</summary>
public static class HmacSignature
{
    /// <summary>Computes the 32-byte MAC; false when a field is malformed.</summary>
    public static bool TryCompute(ReadOnlySpan<byte> secret, in SignedFields fields, Span<byte> mac)
    {
        Span<byte> canonical = stackalloc byte[CanonicalString.MaxLength];
        var length = CanonicalString.Write(fields, canonical);
        if (length < 0 || mac.Length < SigningScheme.HashSize)
        {
            return false;
        }

        HMACSHA256.HashData(secret, canonical[..length], mac);
        return true;
    }

    /// <summary>The signature as sent: lowercase hex of the MAC.</summary>
    public static string ComputeHex(SigningKey key, in SignedFields fields)
    {
        Span<byte> mac = stackalloc byte[SigningScheme.HashSize];
        return TryCompute(key.Secret, fields, mac)
            ? Convert.ToHexStringLower(mac)
            : throw new ArgumentException("A field of the signature is malformed (see protocol/signing.md for the allowed characters).", nameof(fields));
    }

    /// <summary>
    /// Whether <paramref name="presentedHex"/> is the signature of <paramref name="fields"/> under the secret.
    /// The comparison takes the same time wherever the first differing byte is.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> secret, in SignedFields fields, ReadOnlySpan<char> presentedHex)
    {
        if (presentedHex.Length != 2 * SigningScheme.HashSize)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[SigningScheme.HashSize];
        if (Convert.FromHexString(presentedHex, presented, out _, out var written) != OperationStatus.Done || written != SigningScheme.HashSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SigningScheme.HashSize];
        return TryCompute(secret, fields, expected) && CryptographicOperations.FixedTimeEquals(expected, presented);
    }
}
