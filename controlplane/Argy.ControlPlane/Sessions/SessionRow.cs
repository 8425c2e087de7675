namespace Argy.ControlPlane.Sessions;

public sealed class SessionRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string UserId { get; init; } = "";
    public long UserVersion { get; init; }
    public string Method { get; init; } = "";
    public string? Ip { get; init; }
    public string? UserAgent { get; init; }
    public long CreatedAt { get; init; }
    public long ExpiresAt { get; init; }
    public long LastSeenAt { get; init; }
    public long? RevokedAt { get; init; }
    public string? RevokeReason { get; init; }
}

public static class SignInMethod
{
    public const string Activation = "activation";
    public const string MagicLink = "magic-link";
}
