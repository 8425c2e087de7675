using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Users;

public sealed record InviteUserRequest(string? Email, string? DisplayName, string? Role, IReadOnlyList<string>? Teams, string? OrgId);

/// <summary>Fields left null are not changed. Teams, when given, is the complete list of the user's teams.</summary>
public sealed record UpdateUserRequest(string? DisplayName, string? Role, string? Status, IReadOnlyList<string>? Teams);

public sealed record TeamRef(string Id, string Name);

public sealed record UserResponse(
    string Id,
    string Email,
    string DisplayName,
    string? GivenName,
    string? FamilyName,
    string Role,
    string Status,
    string Source,
    string? ExternalId,
    string? OrgId,
    IReadOnlyList<TeamRef> Teams,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ActivatedAt,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? LastSignInAt)
{
    public static UserResponse From(UserRow row, IReadOnlyList<TeamRef> teams) => new(
        row.Id,
        row.Email,
        row.DisplayName,
        row.GivenName,
        row.FamilyName,
        row.Role,
        row.Status,
        row.Source,
        row.ExternalId,
        row.OrgId,
        teams,
        UnixMs.To(row.CreatedAt),
        UnixMs.To(row.UpdatedAt),
        UnixMs.To(row.ActivatedAt),
        UnixMs.To(row.DisabledAt),
        UnixMs.To(row.LastSignInAt));
}

public sealed record InvitedUserResponse(UserResponse User, DateTimeOffset InvitationExpiresAt);

public sealed record UserListResponse(IReadOnlyList<UserResponse> Items, int Total, int Limit, int Offset);
