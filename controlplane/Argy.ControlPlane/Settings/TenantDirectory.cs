using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Settings;

/// <summary>Looks tenants up by id or name (sign-in requests name their tenant) and gives the name shown to people.</summary>
public sealed class TenantDirectory(Database database, TenantSettingsStore settings)
{
    public Tenant? Find(string idOrName)
    {
        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<(string Id, string Name, long CreatedAt)?>(
            "SELECT id, name, created_at FROM tenants WHERE id = @value OR name = @value ORDER BY id = @value DESC LIMIT 1", new { value = idOrName });
        return row is { } r ? new Tenant(r.Id, r.Name, UnixMs.To(r.CreatedAt)) : null;
    }

    public Tenant Get(TenantScope scope) => Find(scope.TenantId) ?? throw new InvalidOperationException($"Tenant {scope} does not exist.");

    /// <summary>The branding name when one is set, otherwise the tenant's name.</summary>
    public string DisplayName(TenantScope scope) =>
        settings.Get(scope, SettingsSections.Branding, BrandingSettings.Default).DisplayName is { Length: > 0 } name ? name : Get(scope).Name;
}

/// <summary>How the tenant presents itself: name, logo (HTTPS only) and its own portal domain.</summary>
public sealed record BrandingSettings(string? DisplayName, string? LogoUrl, string? PortalDomain)
{
    public static readonly BrandingSettings Default = new(null, null, null);
}
