using Argy.ControlPlane.Settings;

namespace Argy.ControlPlane.ConfigTransfer;

/// <summary>
/// A tenant's configuration as a portable document: entities are named, not identified, so it can be imported
/// into another tenant. It never holds secrets (OIDC client secrets stay behind) nor identities (users, members).
/// </summary>
public sealed record ConfigDocument(
    string Format,
    IReadOnlyList<string> Sections,
    SsoSection? Sso,
    QuotaSettings? Quotas,
    TeamsSection? Teams,
    PoliciesSection? Policies,
    BrandingSettings? Branding)
{
    public const string CurrentFormat = "argy-config/v1";
}

public static class ConfigSections
{
    public const string Sso = "sso";
    public const string Quotas = "quotas";
    public const string Teams = "teams";
    public const string Policies = "policies";
    public const string Branding = "branding";

    public static readonly IReadOnlyList<string> All = [Sso, Quotas, Teams, Policies, Branding];
}

public sealed record SsoSection(IReadOnlyList<SsoProviderDocument> Providers);

public sealed record SsoProviderDocument(string Kind, string Name, bool Enabled, OidcDocument? Oidc, SamlDocument? Saml);

public sealed record OidcDocument(string Provider, string Issuer, string ClientId, string? Tenant, string? Domain, IReadOnlyList<string> Scopes);

public sealed record SamlDocument(string MetadataXml, SamlAttributeMapping AttributeMapping);

public sealed record TeamsSection(IReadOnlyList<ProductDocument> Products, IReadOnlyList<TeamDocument> Teams);

public sealed record ProductDocument(string Name, string Description);

public sealed record TeamDocument(string Name, string Description, IReadOnlyList<TeamProductDocument> Products);

public sealed record TeamProductDocument(string Product, string Permission);

public sealed record PoliciesSection(SecuritySettings Security, IpAllowListSettings IpAllowList, LlmFilterSettings LlmFilter);

/// <summary>One change an import would make (or made).</summary>
public sealed record ConfigChange(string Section, string Action, string Item, string? Before, string? After);

public sealed record ImportPreview(IReadOnlyList<ConfigChange> Changes, IReadOnlyList<string> Warnings, string Fingerprint);

public sealed record ImportResult(IReadOnlyList<ConfigChange> Applied, IReadOnlyList<string> Warnings);

public sealed record ImportRequest(ConfigDocument? Document, string? Confirm, bool? Force);
