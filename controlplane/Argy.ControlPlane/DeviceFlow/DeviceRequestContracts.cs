using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.DeviceFlow;

public sealed record ApproveDeviceRequest(string? UserCode, string? Name, string? Description, IReadOnlyList<string>? Tags);

public sealed record DenyDeviceRequest(string? UserCode);

/// <summary>
/// What an approver sees before deciding: which client asks, what the device says about itself, where the
/// request came from. The user code is present only when the approver typed it (never in the list).
/// </summary>
public sealed record DeviceRequestResponse(
    string Id,
    string? UserCode,
    string ClientId,
    string Client,
    string Scope,
    string Hostname,
    string Os,
    string Arch,
    string Version,
    string RequestedName,
    IReadOnlyList<string> RequestedTags,
    string SourceIp,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? AgentId,
    string? Role)
{
    public static DeviceRequestResponse From(DeviceAuthorizationRow row, bool withCode) => new(
        row.Id,
        withCode ? DeviceFlow.UserCode.Format(row.UserCode) : null,
        row.ClientId,
        DeviceClients.Find(row.ClientId)?.DisplayName ?? row.ClientId,
        row.Scope,
        row.Hostname,
        row.Os,
        row.Arch,
        row.Version,
        row.RequestedName,
        Json.ReadList(row.RequestedTags),
        row.SourceIp,
        row.Status,
        UnixMs.To(row.CreatedAt),
        UnixMs.To(row.ExpiresAt),
        row.AgentId,
        row.Role);
}
