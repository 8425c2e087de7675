namespace Argy.ControlPlane.Security;

/// <summary>
/// A security-relevant decision: who did what to whom, from where, and whether it was allowed. TenantId is
/// null when no tenant could be established (an unknown agent, a device not yet approved).
/// </summary>
public sealed record AuditEvent(
    string Action,
    string Outcome,
    string Actor,
    string? TenantId = null,
    string? Subject = null,
    string? SourceIp = null,
    string Detail = "");

/// <summary>The vocabulary of <see cref="AuditEvent.Action"/>.</summary>
public static class AuditActions
{
    public const string AgentEnrolled = "agent.enrolled";
    public const string AgentRevoked = "agent.revoked";
    public const string AgentCredentialRotated = "agent.credential.rotated";
    public const string AgentAuthRejected = "agent.auth.rejected";
    public const string DeviceAuthorizationRequested = "device.requested";
    public const string DeviceApproved = "device.approved";
    public const string DeviceDenied = "device.denied";
    public const string DeviceUserCodeRejected = "device.user_code.rejected";
    public const string DeviceRateLimited = "device.rate_limited";
    public const string DeviceTokenIssued = "device.token_issued";
}

/// <summary>The vocabulary of <see cref="AuditEvent.Outcome"/>.</summary>
public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Denied = "denied";
}
