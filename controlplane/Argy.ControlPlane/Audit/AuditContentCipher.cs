using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// AES-256-GCM for the content field of audit records. Stored form: 12-byte nonce, ciphertext, 16-byte tag; the
/// key id is stored beside it (and bound as associated data), so keys can rotate while old records stay readable
/// as long as their key is still configured. The chain hashes the stored bytes, so verification needs no key.
/// </summary>
public sealed partial class AuditContentCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, byte[]> _keys;
    private readonly string? _active;

    public AuditContentCipher(IOptions<AuditOptions> options)
    {
        var value = options.Value;
        _keys = value.ContentKeys
            .Select(k => (k.Key, Bytes: DecodeKey(k.Value)))
            .Where(k => k.Bytes is not null)
            .ToDictionary(k => k.Key, k => k.Bytes!, StringComparer.Ordinal);
        _active = string.IsNullOrEmpty(value.ActiveContentKey) ? null : value.ActiveContentKey;
    }

    /// <summary>The stored form of <paramref name="content"/>: ciphertext and key id, or UTF-8 and no key id when no key is active.</summary>
    public (byte[] Stored, string? KeyId) Seal(string content)
    {
        var plain = Encoding.UTF8.GetBytes(content);
        if (_active is null)
        {
            return (plain, null);
        }

        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_active], TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), AssociatedData(_active));
        return (sealedBytes, _active);
    }

    /// <summary>The content as text, or null when there is none or its key is not configured (or the bytes were altered).</summary>
    public string? Open(byte[]? stored, string? keyId)
    {
        if (stored is null)
        {
            return null;
        }

        if (keyId is null)
        {
            return Encoding.UTF8.GetString(stored);
        }

        if (!_keys.TryGetValue(keyId, out var key) || stored.Length < NonceSize + TagSize)
        {
            return null;
        }

        var length = stored.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(stored.AsSpan(0, NonceSize), stored.AsSpan(NonceSize, length), stored.AsSpan(NonceSize + length), plain, AssociatedData(keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }

    internal static byte[]? DecodeKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[48];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written == 32 ? buffer[..32] : null;
    }

    private static byte[] AssociatedData(string keyId) => Encoding.UTF8.GetBytes("argy-audit-content:" + keyId);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    internal static partial Regex KeyIdPattern();
}
