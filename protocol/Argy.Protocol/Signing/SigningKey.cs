using System.Text;

namespace Argy.Protocol.Signing;

/// <summary>
/// One HMAC secret and its key id. The key is the UTF-8 bytes of the secret exactly as issued. ToString never
/// shows the secret, so a stray log line cannot leak it.
/// </summary>
public sealed class SigningKey
{
    private readonly byte[] _secret;

    public SigningKey(string keyId, string secret)
        : this(keyId, Encoding.UTF8.GetBytes(secret))
    {
    }

    public SigningKey(string keyId, byte[] secret)
    {
        if (!CanonicalString.IsId(keyId))
        {
            throw new ArgumentException("A key id is 1-128 characters of A-Z a-z 0-9 . _ ~ : -", nameof(keyId));
        }

        if (secret.Length < 16)
        {
            throw new ArgumentException("An HMAC secret must be at least 16 bytes long.", nameof(secret));
        }

        KeyId = keyId;
        _secret = secret;
    }

    public string KeyId { get; }

    public ReadOnlySpan<byte> Secret => _secret;

    public override string ToString() => $"SigningKey {KeyId}";
}
