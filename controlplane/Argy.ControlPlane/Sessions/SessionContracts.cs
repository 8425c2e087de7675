using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Sessions;

public sealed record SignInLinkRequest(string? Tenant, string? Email);

public sealed record LinkRedemptionRequest(string? Token);

public sealed record AcceptedResponse(string Message);

public sealed record SessionResponse(
    string Id,
    string UserId,
    string Method,
    string? Ip,
    string? UserAgent,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? RevokedAt,
    string? RevokeReason)
{
    public static SessionResponse From(SessionRow row) => new(
        row.Id, row.UserId, row.Method, row.Ip, row.UserAgent, UnixMs.To(row.CreatedAt), UnixMs.To(row.ExpiresAt),
        UnixMs.To(row.LastSeenAt), UnixMs.To(row.RevokedAt), row.RevokeReason);
}

/// <summary>A signed-in session: send <see cref="AccessToken"/> as a bearer token and refresh it before <see cref="ExpiresAt"/>.</summary>
public sealed record SignedInResponse(
    string AccessToken,
    string TokenType,
    DateTimeOffset ExpiresAt,
    string TenantId,
    SessionResponse Session,
    UserResponse User);

public sealed record RevokedSessionsResponse(int Revoked);

public sealed record MeResponse(
    string TenantId,
    string Role,
    IReadOnlyList<string> Permissions,
    string Credential,
    string CredentialId,
    UserResponse? User,
    SessionResponse? Session);
