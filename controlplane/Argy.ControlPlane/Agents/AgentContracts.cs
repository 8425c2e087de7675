using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Agents;

public sealed record CreateAgentRequest(string? Name, string? Description, IReadOnlyList<string>? Tags);

public sealed record CreatedAgentResponse(
    string Id, string Name, string Description, IReadOnlyList<string> Tags, string EnrollmentToken, DateTimeOffset EnrollmentTokenExpiresAt);

public sealed record EnrollRequest(string? Token, string? Hostname, string? Os, string? Arch, string? Version);

/// <param name="Credential">The secret: an API key (apikey mode) or the HMAC secret (hmac mode). Shown once.</param>
/// <param name="AuthMode">hmac or apikey: how the agent must authenticate.</param>
/// <param name="KeyId">The credential's key id (sent with every HMAC signature).</param>
public sealed record EnrollResponse(
    string AgentId, string TenantId, string Credential, string GrpcUrl, string Name, IReadOnlyList<string> Tags, string AuthMode, string KeyId);

/// <param name="PreviousKeysExpireAt">When the credentials this one replaces stop working.</param>
public sealed record RotatedCredentialResponse(
    string AgentId, string TenantId, string Credential, string AuthMode, string KeyId, DateTimeOffset PreviousKeysExpireAt);

public sealed record AgentResponse(
    string Id,
    string Name,
    string Description,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> ReportedTags,
    string Status,
    DateTimeOffset? LastActivityAt,
    string? Version,
    string? Hostname,
    string? Os,
    string? Arch,
    int Capacity,
    int RunningJobs,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EnrolledAt,
    DateTimeOffset? RevokedAt,
    string AuthMode)
{
    public static AgentResponse From(AgentRow row, int runningJobs, DateTimeOffset? liveActivity = null) => new(
        row.Id,
        row.Name,
        row.Description,
        Json.ReadList(row.Tags),
        Json.ReadList(row.ReportedTags),
        row.RevokedAt is not null ? AgentStatus.Revoked : row.Status,
        liveActivity ?? UnixMs.To(row.LastActivityAt),
        row.Version,
        row.Hostname,
        row.Os,
        row.Arch,
        row.Capacity,
        runningJobs,
        UnixMs.To(row.CreatedAt),
        UnixMs.To(row.EnrolledAt),
        UnixMs.To(row.RevokedAt),
        row.AuthMode);
}

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
