namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// One device authorization request. Its tenant is unknown until an approver decides: the approver's tenant
/// becomes the request's. The device code is stored as its SHA-256 only.
/// </summary>
public sealed class DeviceAuthorizationRow
{
    public string Id { get; init; } = "";
    public string? TenantId { get; init; }
    public byte[] DeviceCodeHash { get; init; } = [];
    public string UserCode { get; init; } = "";
    public string ClientId { get; init; } = "";
    public string Scope { get; init; } = "";
    public string SourceIp { get; init; } = "";
    public string Hostname { get; init; } = "";
    public string Os { get; init; } = "";
    public string Arch { get; init; } = "";
    public string Version { get; init; } = "";
    public string RequestedName { get; init; } = "";
    public string RequestedTags { get; init; } = "[]";
    public string Status { get; init; } = DeviceStatus.Pending;
    public int IntervalSeconds { get; init; }
    public long? LastPolledAt { get; init; }
    public string? DecidedBy { get; init; }
    public long? DecidedAt { get; init; }
    public string? AgentId { get; init; }
    public string? Role { get; init; }

    /// <summary>argy-cli: the approver's user, org and product scope, as JSON (<see cref="LoginGrant"/>).</summary>
    public string? LoginGrant { get; init; }
    public long CreatedAt { get; init; }
    public long ExpiresAt { get; init; }
}

public static class DeviceStatus
{
    public const string Pending = "Pending";
    public const string Approved = "Approved";
    public const string Denied = "Denied";

    /// <summary>Approved and exchanged for a credential: the device code is spent.</summary>
    public const string Consumed = "Consumed";
}
