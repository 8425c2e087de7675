using System.Security.Cryptography;

namespace Argy.ControlPlane.Security;

/// <summary>Random, prefixed, URL-safe identifiers such as <c>agt_x3kq...</c>.</summary>
public static class Ids
{
    // Lowercase Crockford-style base32 without look-alikes, so ids survive copy, paste and case folding.
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    public static string New(string prefix, int length = 16) => prefix + "_" + RandomText(length);

    public static string RandomText(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), static (span, raw) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[raw[i] & 31];
            }
        });
    }

    public static bool LooksValid(string? id, string prefix) =>
        id is not null
        && id.Length > prefix.Length + 1
        && id.Length <= 64
        && id.StartsWith(prefix + "_", StringComparison.Ordinal)
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(AlphabetValues) < 0;
}
