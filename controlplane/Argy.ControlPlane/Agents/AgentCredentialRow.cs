namespace Argy.ControlPlane.Agents;

/// <summary>
/// One credential of an agent. Its id is the key id. An API key is stored as the SHA-256 of its secret; an
/// HMAC secret, which the control plane must be able to use, is stored sealed with AES-256-GCM.
/// </summary>
public sealed class AgentCredentialRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string AgentId { get; init; } = "";
    public string Mode { get; init; } = AgentAuthModes.ApiKey;
    public byte[]? SecretHash { get; init; }
    public byte[]? SealedSecret { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>Set when a rotation replaced it: the end of its grace period.</summary>
    public long? ExpiresAt { get; init; }

    public long? RevokedAt { get; init; }
}
