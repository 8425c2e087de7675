using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Settings;

public enum QuotaKind
{
    Users,
    Teams,
    Products,
    ApiTokens,
}

/// <summary>Per-tenant limits; null means no limit.</summary>
public sealed record QuotaSettings(int? MaxUsers, int? MaxTeams, int? MaxProducts, int? MaxApiTokens)
{
    public static readonly QuotaSettings Default = new(null, null, null, null);
}

/// <summary>Refuses to create more of something than the tenant's quota allows (409).</summary>
public sealed class ResourceQuotas(
    TenantSettingsStore settings, UserStore users, TeamStore teams, ProductStore products, ApiTokenStore tokens, Security.AuditLog audit)
{
    public void EnsureRoom(TenantScope scope, QuotaKind kind)
    {
        var quota = settings.Get(scope, SettingsSections.Quotas, QuotaSettings.Default);
        var (limit, count, what) = kind switch
        {
            QuotaKind.Users => (quota.MaxUsers, (Func<int>)(() => users.Count(scope)), "users"),
            QuotaKind.Teams => (quota.MaxTeams, () => teams.Count(scope), "teams"),
            QuotaKind.Products => (quota.MaxProducts, () => products.Count(scope), "products"),
            _ => (quota.MaxApiTokens, () => tokens.CountActive(scope), "active API tokens"),
        };
        if (limit is { } max && count() >= max)
        {
            // The refusal changes nothing, so it is recorded like other refusals: batched, off the request path.
            audit.Refused(scope, new Audit.AuditEntry(Audit.AuditActions.QuotaExceeded, Audit.AuditResources.TenantQuota, what,
                Audit.AuditOutcome.Denied, $"Creating one more of the tenant's {what} was refused: the quota is {max}.",
                new Dictionary<string, string?> { ["quota"] = what, ["limit"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            throw ApiProblemException.Conflict($"The tenant's quota of {max} {what} is reached.");
        }
    }
}
