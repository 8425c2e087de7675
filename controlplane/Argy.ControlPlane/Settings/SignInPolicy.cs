using System.Net;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Settings;

/// <summary>"Enforce SSO": when on, only the break-glass admins may still sign in with an emailed link.</summary>
public sealed record SsoEnforcementSettings(bool Enforced, IReadOnlyList<string> BreakGlassUserIds)
{
    public static readonly SsoEnforcementSettings Default = new(false, []);
}

/// <summary>The tenant's access rules that apply to every request and sign-in: IP allow-list and SSO enforcement.</summary>
public sealed partial class SignInPolicy(TenantSettingsStore settings, Security.AuditLog audit, ILogger<SignInPolicy> logger)
{
    public bool IsAddressAllowed(TenantScope scope, IPAddress? address) =>
        settings.Get(scope, SettingsSections.IpAllowList, IpAllowListSettings.Default).Allows(address);

    /// <summary>Throws 403 (and records an audit event) when the tenant's allow-list does not include the address.</summary>
    public void EnsureAddressAllowed(TenantScope scope, IPAddress? address, string what)
    {
        if (IsAddressAllowed(scope, address))
        {
            return;
        }

        LogRefused(logger, scope.TenantId, address?.ToString() ?? "unknown", what);
        audit.Refused(scope, new Audit.AuditEntry(Audit.AuditActions.IpDenied, Audit.AuditResources.Request, what, Audit.AuditOutcome.Denied,
            $"{what} from {address?.ToString() ?? "unknown"} refused by the IP allow-list."));
        throw new ApiProblemException(StatusCodes.Status403Forbidden, "Address not allowed",
            $"Your address {address} is not in this tenant's IP allow-list.");
    }

    public bool MaySignInWithLink(TenantScope scope, UserRow user)
    {
        var enforcement = settings.Get(scope, SettingsSections.SsoEnforcement, SsoEnforcementSettings.Default);
        return !enforcement.Enforced || (user.Role == Roles.Admin && enforcement.BreakGlassUserIds.Contains(user.Id, StringComparer.Ordinal));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: {What} from {Address} refused by the IP allow-list")]
    private static partial void LogRefused(ILogger logger, string tenantId, string address, string what);
}
