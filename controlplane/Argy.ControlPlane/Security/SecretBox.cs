using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Security;

/// <summary>
/// Encrypts values the control plane must keep but never store in clear (deployment secrets, agents' HMAC
/// secrets): AES-256-GCM with a random nonce per value. Layout: version byte, 12-byte nonce, 16-byte tag, ciphertext.
/// </summary>
public sealed class SecretBox
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretBox(IOptions<SecretsOptions> options)
        : this(SecretKeyFile.LoadOrCreate(options.Value))
    {
    }

    public SecretBox(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The secrets key must be 32 bytes (AES-256).", nameof(key));
        }

        _key = key;
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext) => Seal(plaintext, []);

    /// <summary>
    /// Seals with associated data (e.g. the id of the row the value belongs to): the value then opens only with
    /// the same data, so a sealed value copied into another row is refused instead of silently accepted.
    /// </summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[1 + NonceSize + TagSize + plaintext.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), associatedData);
        return output;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedValue) => Open(sealedValue, []);

    public byte[] Open(ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associatedData)
    {
        if (sealedValue.Length < 1 + NonceSize + TagSize || sealedValue[0] != Version)
        {
            throw new CryptographicException("Unknown sealed value format.");
        }

        var plaintext = new byte[sealedValue.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(
            sealedValue.Slice(1, NonceSize),
            sealedValue[(1 + NonceSize + TagSize)..],
            sealedValue.Slice(1 + NonceSize, TagSize),
            plaintext,
            associatedData);
        return plaintext;
    }
}
