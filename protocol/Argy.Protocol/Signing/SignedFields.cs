namespace Argy.Protocol.Signing;

/// <summary>
/// Everything a signature covers, in the order of the canonical string. A ref struct over spans so that the
/// per-message path builds and checks signatures without allocating.
/// </summary>
public readonly ref struct SignedFields
{
    /// <summary>Which secret signs (the verifier picks the key by it).</summary>
    public ReadOnlySpan<char> KeyId { get; init; }

    /// <summary>Unix seconds at signing.</summary>
    public long Timestamp { get; init; }

    /// <summary>Never reused by the signer within the replay window.</summary>
    public ReadOnlySpan<char> Nonce { get; init; }

    /// <summary>The tenant the signer acts in.</summary>
    public ReadOnlySpan<char> TenantId { get; init; }

    /// <summary>Who signs: the agent id, or the webhook subscription id.</summary>
    public ReadOnlySpan<char> Principal { get; init; }

    /// <summary>Where the body is going: a gRPC method (and message type) or an HTTP method and path.</summary>
    public ReadOnlySpan<char> Target { get; init; }

    /// <summary>SHA-256 of the body, 32 bytes.</summary>
    public ReadOnlySpan<byte> BodySha256 { get; init; }
}
