namespace Argy.ControlPlane.Users;

public sealed class UserRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string? OrgId { get; init; }
    public string Email { get; init; } = "";
    public string EmailKey { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string? GivenName { get; init; }
    public string? FamilyName { get; init; }
    public string? ExternalId { get; init; }
    public string Role { get; init; } = "";
    public string Status { get; init; } = "";
    public long SessionVersion { get; init; }
    public string Source { get; init; } = "";
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
    public long? ActivatedAt { get; init; }
    public long? DisabledAt { get; init; }
    public long? LastSignInAt { get; init; }

    public bool IsActive => Status == UserStatus.Active;
}

public static class UserStatus
{
    /// <summary>Invited, not yet activated: cannot sign in until the activation link is used.</summary>
    public const string Invited = "Invited";

    public const string Active = "Active";

    /// <summary>Every session and token of the user is refused.</summary>
    public const string Disabled = "Disabled";

    public static readonly IReadOnlyList<string> All = [Invited, Active, Disabled];
}

/// <summary>Where a user record came from.</summary>
public static class UserSource
{
    public const string Invitation = "invitation";
    public const string Scim = "scim";
    public const string Import = "import";
}

public static class LinkPurpose
{
    public const string Activation = "activation";
    public const string SignIn = "sign-in";

    /// <summary>The token kind in <c>argy_{kind}_...</c> for each purpose.</summary>
    public static string Kind(string purpose) => purpose == Activation ? "act" : "mlk";
}

public sealed record NewUser(
    string Email,
    string DisplayName,
    string? GivenName,
    string? FamilyName,
    string Role,
    string Status,
    string Source,
    string? ExternalId = null,
    string? OrgId = null);

public sealed record UserQuery(string? Search, string? Status, string? Role, string? TeamId, string? OrgId, int Limit, int Offset);
