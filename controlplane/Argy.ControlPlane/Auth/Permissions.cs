namespace Argy.ControlPlane.Auth;

/// <summary>What each role may do: the single permission matrix, checked by endpoint policies.</summary>
public static class Permissions
{
    public const string AgentsRead = "agents:read";
    public const string AgentsManage = "agents:manage";
    public const string AgentsApprove = "agents:approve";
    public const string DeploymentsRead = "deployments:read";
    public const string DeploymentsCreate = "deployments:create";
    public const string DeploymentsCancel = "deployments:cancel";
    public const string TokensManage = "tokens:manage";
    public const string AuditRead = "audit:read";

    // agents:approve: approve or deny an agent's enrollment request from the device flow.
    // audit:read: read the tenant's audit events (security decisions).

    private static readonly Dictionary<string, string[]> Matrix = new(StringComparer.Ordinal)
    {
        [AgentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [AgentsManage] = [Roles.Admin, Roles.PlatformEngineer],
        [AgentsApprove] = [Roles.Admin, Roles.PlatformEngineer],
        [DeploymentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [DeploymentsCreate] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [DeploymentsCancel] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [TokensManage] = [Roles.Admin],
        [AuditRead] = [Roles.Admin, Roles.Approver],
    };

    public static IEnumerable<string> Names => Matrix.Keys;

    public static IReadOnlyList<string> RolesFor(string permission) => Matrix[permission];

    public static bool Allows(string role, string permission) => Matrix[permission].Contains(role, StringComparer.Ordinal);
}
