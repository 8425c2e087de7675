using System.Security.Cryptography;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// The code a person types to approve a device: 8 characters from RFC 8628 §6.1's 20 consonants (no vowels, so
/// no words; no look-alike digits), shown as XXXX-XXXX, compared ignoring case, dashes and spaces.
/// 20^8 ≈ 2.56 × 10^10 codes, about 34.5 bits.
/// </summary>
public static class UserCode
{
    public const string Alphabet = "BCDFGHJKLMNPQRSTVWXZ";
    public const int Length = 8;

    /// <summary>A uniformly random code, normalized (no dash).</summary>
    public static string Generate() => string.Create(Length, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
    });

    /// <summary>XXXX-XXXX, for people.</summary>
    public static string Format(string normalized) => normalized[..4] + "-" + normalized[4..];

    /// <summary>Reads a code as a person may type it: any case, with or without the dash or spaces.</summary>
    public static bool TryNormalize(string? input, out string normalized)
    {
        normalized = "";
        if (input is null || input.Length > 32)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[Length];
        var count = 0;
        foreach (var c in input)
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            if (count == Length || !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return false;
            }

            buffer[count++] = upper;
        }

        if (count != Length)
        {
            return false;
        }

        normalized = new string(buffer);
        return true;
    }
}
