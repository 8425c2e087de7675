namespace Argy.Protocol.Signing;

/// <summary>
/// Checks a signature completely: well-formed, signed by the named key, within the clock skew, and not replayed.
/// The nonce is recorded only after the signature verified, so unauthenticated traffic cannot fill the memory.
/// </summary>
public sealed class SignatureVerifier
{
    private readonly TimeProvider _time;
    private readonly NonceCache _nonces;
    private readonly long _skewSeconds;

    public SignatureVerifier(TimeProvider time, NonceCache nonces, TimeSpan maxClockSkew)
    {
        if (maxClockSkew <= TimeSpan.Zero || maxClockSkew > SigningScheme.MaxClockSkew)
        {
            throw new ArgumentOutOfRangeException(nameof(maxClockSkew), $"The clock skew must be positive and at most {SigningScheme.MaxClockSkew}.");
        }

        if (nonces.Memory < maxClockSkew * 2)
        {
            throw new ArgumentException("The nonce memory must be at least twice the clock skew.", nameof(nonces));
        }

        _time = time;
        _nonces = nonces;
        _skewSeconds = (long)maxClockSkew.TotalSeconds;
    }

    public SignatureCheck Verify(in SignedFields fields, ReadOnlySpan<char> signature, SigningKey? key)
    {
        var check = VerifyWithoutNonce(fields, signature, key);
        if (check != SignatureCheck.Valid)
        {
            return check;
        }

        Span<char> signer = stackalloc char[(2 * CanonicalString.MaxIdLength) + 1];
        fields.TenantId.CopyTo(signer);
        signer[fields.TenantId.Length] = '/';
        fields.Principal.CopyTo(signer[(fields.TenantId.Length + 1)..]);
        return _nonces.TryUse(signer[..(fields.TenantId.Length + 1 + fields.Principal.Length)], fields.Nonce)
            ? SignatureCheck.Valid
            : SignatureCheck.Replayed;
    }

    /// <summary>
    /// Everything but the nonce memory, for callers that prevent replays another way (the messages of a stream
    /// carry a sequence number checked by the stream).
    /// </summary>
    public SignatureCheck VerifyWithoutNonce(in SignedFields fields, ReadOnlySpan<char> signature, SigningKey? key)
    {
        if (!CanonicalString.IsValid(fields))
        {
            return SignatureCheck.Malformed;
        }

        if (key is null || !fields.KeyId.SequenceEqual(key.KeyId))
        {
            return SignatureCheck.UnknownKey;
        }

        if (!HmacSignature.Verify(key.Secret, fields, signature))
        {
            return SignatureCheck.BadSignature;
        }

        return IsFresh(fields.Timestamp) ? SignatureCheck.Valid : SignatureCheck.OutsideClockSkew;
    }

    /// <summary>Whether a Unix-seconds timestamp is within the skew of the verifier's clock.</summary>
    public bool IsFresh(long timestamp)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return timestamp >= now - _skewSeconds && timestamp <= now + _skewSeconds;
    }
}
