namespace Argy.ControlPlane.Agents;

/// <summary>An agent as stored.</summary>
public sealed class AgentRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Tags { get; init; } = "[]";
    public byte[]? EnrollmentHash { get; init; }
    public long? EnrollmentExpiresAt { get; init; }
    public byte[]? CredentialHash { get; init; }
    public long? EnrolledAt { get; init; }
    public long? RevokedAt { get; init; }
    public string Status { get; init; } = AgentStatus.Pending;
    public string? Hostname { get; init; }
    public string? Os { get; init; }
    public string? Arch { get; init; }
    public string? Version { get; init; }
    public string? ReportedTags { get; init; }
    public int Capacity { get; init; }
    public long? LastActivityAt { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>The mode of the agent's newest credential (hmac or apikey).</summary>
    public string AuthMode { get; init; } = AgentAuthModes.ApiKey;
}

/// <summary>What the agent list shows. Revoked wins over everything; Pending means never enrolled.</summary>
public static class AgentStatus
{
    public const string Pending = "Pending";
    public const string Connected = "Connected";
    public const string Disconnected = "Disconnected";
    public const string Error = "Error";
    public const string Revoked = "Revoked";
}
