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
    public const string DeploymentsApprove = "deployments:approve";
    public const string TokensManage = "tokens:manage";
    public const string AuditRead = "audit:read";

    // agents:approve: approve or deny an agent's enrollment request from the device flow.
    // audit:read: read the tenant's audit events (security decisions).
    // deployments:approve: approve or reject a deployment waiting for approval (never one's own).
    public const string UsersRead = "users:read";
    public const string UsersManage = "users:manage";
    public const string TeamsRead = "teams:read";
    public const string TeamsManage = "teams:manage";
    public const string ProductsRead = "products:read";
    public const string ProductsManage = "products:manage";
    public const string OrgsRead = "orgs:read";
    public const string OrgsManage = "orgs:manage";
    public const string SettingsRead = "settings:read";
    public const string SettingsManage = "settings:manage";
    // delivery:manage: SIEM, notification webhook and email sinks (their URLs, filters and secrets).
    public const string DeliveryManage = "delivery:manage";

    // llm:gateway: reserve, settle and record LLM tokens for users (the LLM gateway's API token).
    // usage:read: LLM and deployment usage reports.
    public const string LlmGateway = "llm:gateway";
    public const string UsageRead = "usage:read";

    private static readonly Dictionary<string, string[]> Matrix = new(StringComparer.Ordinal)
    {
        [AgentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [AgentsManage] = [Roles.Admin, Roles.PlatformEngineer],
        [AgentsApprove] = [Roles.Admin, Roles.PlatformEngineer],
        [DeploymentsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [DeploymentsCreate] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [DeploymentsCancel] = [Roles.Admin, Roles.PlatformEngineer, Roles.User],
        [DeploymentsApprove] = [Roles.Admin, Roles.Approver],
        [TokensManage] = [Roles.Admin],
        [AuditRead] = [Roles.Admin, Roles.Approver],
        [UsersRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager],
        [UsersManage] = [Roles.Admin],
        [TeamsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [TeamsManage] = [Roles.Admin],
        [ProductsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [ProductsManage] = [Roles.Admin, Roles.ProductManager],
        [OrgsRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager, Roles.User, Roles.Approver, Roles.Viewer],
        [OrgsManage] = [Roles.Admin],
        [SettingsRead] = [Roles.Admin],
        [SettingsManage] = [Roles.Admin],
        [LlmGateway] = [Roles.Admin, Roles.PlatformEngineer],
        [UsageRead] = [Roles.Admin, Roles.PlatformEngineer, Roles.ProductManager],
        [DeliveryManage] = [Roles.Admin],
    };

    public static IEnumerable<string> Names => Matrix.Keys;

    public static IReadOnlyList<string> RolesFor(string permission) => Matrix[permission];

    public static bool Allows(string role, string permission) => Matrix[permission].Contains(role, StringComparer.Ordinal);

    /// <summary>The permissions a role holds, in matrix order.</summary>
    public static IReadOnlyList<string> Of(string role) => [.. Matrix.Where(p => p.Value.Contains(role, StringComparer.Ordinal)).Select(p => p.Key)];

    /// <summary>
    /// True when <paramref name="holder"/> has every permission of <paramref name="granted"/>: a user may only hold
    /// (or keep using) an API token whose role does not exceed their own.
    /// </summary>
    public static bool Covers(string holder, string granted) =>
        Matrix.Values.All(roles => !roles.Contains(granted, StringComparer.Ordinal) || roles.Contains(holder, StringComparer.Ordinal));
}
