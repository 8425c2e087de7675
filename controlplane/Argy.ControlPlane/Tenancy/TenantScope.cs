namespace Argy.ControlPlane.Tenancy;

/// <summary>
/// The tenant a unit of work acts for. Every store method that touches tenant data takes one, and every
/// query it runs filters on it, so no endpoint can forget the filter. Scopes come from an authenticated
/// credential (API token, agent credential) or from the control plane's own system work.
/// </summary>
public readonly record struct TenantScope
{
    private TenantScope(string tenantId) => TenantId = tenantId;

    public string TenantId { get; }

    /// <summary>A scope for a tenant id that a credential lookup or a stored record has already vouched for.</summary>
    public static TenantScope Of(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        return new TenantScope(tenantId);
    }

    public override string ToString() => TenantId;
}
