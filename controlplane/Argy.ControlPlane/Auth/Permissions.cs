namespace Argy.ControlPlane.Auth;

/// <summary>What each role may do: the single permission matrix, checked by endpoint policies.</summary>
public static class Permissions
{
    public const string AgentsRead = "agents:read";
    public const string AgentsManage = "agents:manage";
    public const string DeploymentsRead = "deployments:read";
    public const string DeploymentsCreate = "deployments:create";
    public const string DeploymentsCancel = "deployments:cancel";
    public const string TokensManage = "tokens:manage";

    private static readonly Dictionary<string, string[]> Matrix = new(StringComparer.Ordinal)
    {
        [AgentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [AgentsManage] = [Roles.Admin, Roles.PlatformEngineer],
        [DeploymentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [DeploymentsCreate] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [DeploymentsCancel] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [TokensManage] = [Roles.Admin],
    };

    public static IEnumerable<string> Names => Matrix.Keys;

    public static IReadOnlyList<string> RolesFor(string permission) => Matrix[permission];
}
