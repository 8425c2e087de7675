namespace Argy.Protocol.Signing;

/// <summary>The outcome of checking a signature, in the order the checks run.</summary>
public enum SignatureCheck
{
    /// <summary>Signed by the named key, fresh, and not seen before.</summary>
    Valid,

    /// <summary>A header or field is missing or has characters the canonical form does not allow.</summary>
    Malformed,

    /// <summary>The key id names no key that is valid for this signer right now.</summary>
    UnknownKey,

    /// <summary>The signature does not match the request (tampered, wrong secret, wrong tenant or target).</summary>
    BadSignature,

    /// <summary>The timestamp is further from the verifier's clock than the allowed skew.</summary>
    OutsideClockSkew,

    /// <summary>The nonce (or stream sequence) was already used.</summary>
    Replayed,
}
