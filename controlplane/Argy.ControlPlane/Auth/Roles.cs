namespace Argy.ControlPlane.Auth;

/// <summary>The roles a credential can hold. Their permissions are decided in <see cref="Permissions"/> only.</summary>
public static class Roles
{
    public const string Admin = "PLATFORM_ADMIN";
    public const string PlatformEngineer = "PLATFORM_ENGINEER";
    public const string ProductManager = "PLATFORM_PM";
    public const string User = "PLATFORM_USER";
    public const string Approver = "COMPLIANCE_APPROVER";
    public const string Viewer = "VIEWER";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Admin, PlatformEngineer, ProductManager, User, Approver, Viewer,
    };
}
