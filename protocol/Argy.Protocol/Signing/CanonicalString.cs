using System.Buffers.Text;
using System.Text;

namespace Argy.Protocol.Signing;

/// <summary>
/// Builds the bytes that are signed: eight lines joined by LF, no trailing LF, ASCII only (protocol/signing.md).
/// Every field is validated first, so no field can smuggle a line break and shift the others.
/// </summary>
public static class CanonicalString
{
    /// <summary>Longest identifier (key id, nonce, tenant, principal) accepted.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest target accepted.</summary>
    public const int MaxTargetLength = 1024;

    /// <summary>An upper bound of the canonical string's length, for stack buffers.</summary>
    public const int MaxLength = 32 + (4 * (MaxIdLength + 1)) + 21 + MaxTargetLength + 1 + 64;

    private const byte LineFeed = (byte)'\n';

    /// <summary>Whether every field is well-formed; a verifier treats anything else as malformed.</summary>
    public static bool IsValid(in SignedFields fields) =>
        IsId(fields.KeyId) && IsId(fields.Nonce) && IsId(fields.TenantId) && IsId(fields.Principal)
        && IsTarget(fields.Target) && fields.Timestamp >= 0 && fields.BodySha256.Length == SigningScheme.HashSize;

    /// <summary>Identifiers: 1-128 characters of A-Z a-z 0-9 and . _ ~ : -</summary>
    public static bool IsId(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > MaxIdLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Targets: 1-1024 printable ASCII characters (spaces allowed).</summary>
    public static bool IsTarget(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > MaxTargetLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the canonical string into <paramref name="destination"/>; returns its length, or -1 when a field is invalid.</summary>
    public static int Write(in SignedFields fields, Span<byte> destination)
    {
        if (!IsValid(fields) || destination.Length < MaxLength)
        {
            return -1;
        }

        var position = Ascii(SigningScheme.Version, destination);
        destination[position++] = LineFeed;
        position += Ascii(fields.KeyId, destination[position..]);
        destination[position++] = LineFeed;
        Utf8Formatter.TryFormat(fields.Timestamp, destination[position..], out var written);
        position += written;
        destination[position++] = LineFeed;
        position += Ascii(fields.Nonce, destination[position..]);
        destination[position++] = LineFeed;
        position += Ascii(fields.TenantId, destination[position..]);
        destination[position++] = LineFeed;
        position += Ascii(fields.Principal, destination[position..]);
        destination[position++] = LineFeed;
        position += Ascii(fields.Target, destination[position..]);
        destination[position++] = LineFeed;
        return position + LowerHex(fields.BodySha256, destination[position..]);
    }

    /// <summary>The canonical string as text, for documentation, tests and debugging a receiver.</summary>
    public static string ToText(in SignedFields fields)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var length = Write(fields, buffer);
        return length < 0
            ? throw new ArgumentException("A field of the signature is malformed (see protocol/signing.md for the allowed characters).", nameof(fields))
            : Encoding.ASCII.GetString(buffer[..length]);
    }

    private static int Ascii(ReadOnlySpan<char> value, Span<byte> destination)
    {
        // Validated as ASCII above, so this is a narrowing copy.
        for (var i = 0; i < value.Length; i++)
        {
            destination[i] = (byte)value[i];
        }

        return value.Length;
    }

    private static int LowerHex(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        const string digits = "0123456789abcdef";
        for (var i = 0; i < value.Length; i++)
        {
            destination[2 * i] = (byte)digits[value[i] >> 4];
            destination[(2 * i) + 1] = (byte)digits[value[i] & 0xF];
        }

        return 2 * value.Length;
    }
}
