using System.Text;
using System.Text.Json;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Settings;

public sealed record OidcConfig(string Provider, string Issuer, string ClientId, string? Tenant, string? Domain, IReadOnlyList<string> Scopes);

public sealed record SamlAttributeMapping(string Email, string? FirstName, string? LastName, string? Groups);

public sealed record SamlConfig(string EntityId, string SsoUrl, IReadOnlyList<SamlCertificate> Certificates, string MetadataXml, SamlAttributeMapping AttributeMapping);

public sealed record OidcProviderRequest(
    string? Name, string? Provider, string? Issuer, string? ClientId, string? ClientSecret, string? Tenant, string? Domain, IReadOnlyList<string>? Scopes, bool? Enabled);

public sealed record SamlAttributeMappingRequest(string? Email, string? FirstName, string? LastName, string? Groups);

public sealed record SamlProviderRequest(string? Name, string? MetadataXml, SamlAttributeMappingRequest? AttributeMapping, bool? Enabled);

public sealed record OidcView(string Provider, string Issuer, string ClientId, string? Tenant, string? Domain, IReadOnlyList<string> Scopes, bool ClientSecretSet);

public sealed record SamlView(
    string EntityId, string SsoUrl, IReadOnlyList<SamlCertificate> Certificates, SamlAttributeMapping AttributeMapping, string SpEntityId, string SpAcsUrl, string SpMetadataUrl);

public sealed record SsoProviderResponse(string Id, string Kind, string Name, bool Enabled, OidcView? Oidc, SamlView? Saml, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record SsoOverviewResponse(IReadOnlyList<SsoProviderResponse> Providers, SsoEnforcementSettings Enforcement);

/// <summary>
/// SSO configuration objects: OIDC providers (Entra ID, Okta, Google or any issuer) and SAML identity providers.
/// They are stored for the sign-in flows to come; client secrets are encrypted at rest and never returned.
/// </summary>
public sealed class SsoService(SsoProviderStore store, SecretBox secrets, TenantSettingsStore settings, IOptions<UsersOptions> users)
{
    public const string Oidc = "oidc";
    public const string Saml = "saml";
    public static readonly IReadOnlyList<string> OidcProviders = ["entra", "okta", "google", "generic"];

    public SsoOverviewResponse Overview(TenantScope scope) =>
        new(store.List(scope).Select(p => Response(scope, p)).ToList(), settings.Get(scope, SettingsSections.SsoEnforcement, SsoEnforcementSettings.Default));

    public SsoProviderResponse Get(TenantScope scope, string id) => Response(scope, Find(scope, id));

    public SsoProviderResponse CreateOidc(Caller caller, OidcProviderRequest request)
    {
        var config = ValidateOidc(request, secretRequired: true);
        var row = store.Create(caller.Scope, Oidc, request.Name!.Trim(), Serialize(config), Seal(request.ClientSecret), request.Enabled ?? true)
            ?? throw ApiProblemException.Conflict($"An SSO provider named '{request.Name}' already exists.");
        return Response(caller.Scope, row);
    }

    public SsoProviderResponse UpdateOidc(Caller caller, string id, OidcProviderRequest request)
    {
        var existing = Find(caller.Scope, id, Oidc);
        var config = ValidateOidc(request, secretRequired: false);
        GuardEnforcement(caller.Scope, existing, request.Enabled ?? true);
        if (!store.Update(caller.Scope, id, request.Name!.Trim(), Serialize(config), Seal(request.ClientSecret), request.Enabled ?? true))
        {
            throw ApiProblemException.Conflict($"An SSO provider named '{request.Name}' already exists.");
        }

        return Get(caller.Scope, id);
    }

    public SsoProviderResponse CreateSaml(Caller caller, SamlProviderRequest request)
    {
        var config = ValidateSaml(request);
        var row = store.Create(caller.Scope, Saml, request.Name!.Trim(), Serialize(config), null, request.Enabled ?? true)
            ?? throw ApiProblemException.Conflict($"An SSO provider named '{request.Name}' already exists.");
        return Response(caller.Scope, row);
    }

    public SsoProviderResponse UpdateSaml(Caller caller, string id, SamlProviderRequest request)
    {
        var existing = Find(caller.Scope, id, Saml);
        var config = ValidateSaml(request);
        GuardEnforcement(caller.Scope, existing, request.Enabled ?? true);
        if (!store.Update(caller.Scope, id, request.Name!.Trim(), Serialize(config), null, request.Enabled ?? true))
        {
            throw ApiProblemException.Conflict($"An SSO provider named '{request.Name}' already exists.");
        }

        return Get(caller.Scope, id);
    }

    public void Delete(Caller caller, string id)
    {
        var existing = Find(caller.Scope, id);
        GuardEnforcement(caller.Scope, existing, enabledAfter: false);
        store.Delete(caller.Scope, id);
    }

    public string ServiceProviderMetadata(TenantScope scope, string id)
    {
        var row = Find(scope, id, Saml);
        var (entityId, acs) = SpUrls(row.Id);
        return SamlMetadata.ServiceProvider(entityId, acs);
    }

    public static OidcConfig ValidateOidc(OidcProviderRequest request, bool secretRequired)
    {
        var errors = new FieldErrors();
        errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name.Trim()), "name", "name is required: 1-100 characters, starting with a letter or digit.");
        var provider = request.Provider?.ToLowerInvariant();
        errors.Require(provider is not null && OidcProviders.Contains(provider), "provider", $"provider must be one of: {string.Join(", ", OidcProviders)}.");
        errors.Require(!string.IsNullOrWhiteSpace(request.ClientId) && request.ClientId.Length <= 256, "clientId", "clientId is required (at most 256 characters).");
        errors.Require(secretRequired ? request.ClientSecret is { Length: >= 1 and <= 1024 } : request.ClientSecret is null or { Length: >= 1 and <= 1024 },
            "clientSecret", secretRequired ? "clientSecret is required (at most 1024 characters)." : "clientSecret is at most 1024 characters (omit it to keep the stored one).");
        errors.Require(request.Issuer is null || IsHttps(request.Issuer), "issuer", "issuer must be an absolute https:// URL.");
        errors.Require(request.Tenant is null || (request.Tenant.Length <= 200 && !request.Tenant.Any(c => char.IsWhiteSpace(c) || c == '/')), "tenant",
            "tenant is a directory (tenant) id or domain.");
        errors.Require(request.Domain is null || (request.Domain.Length <= 253 && Uri.CheckHostName(request.Domain) == UriHostNameType.Dns), "domain",
            "domain is a DNS name such as example.okta.com.");
        var scopes = (request.Scopes ?? ["openid", "email", "profile"]).ToList();
        errors.Require(scopes.Contains("openid") && scopes.Count <= 20 && scopes.All(s => s is { Length: >= 1 and <= 100 } && !s.Any(char.IsWhiteSpace)), "scopes",
            "scopes must include openid (at most 20, no spaces).");
        string? issuer = request.Issuer;
        switch (provider)
        {
            case "entra":
                errors.Require(request.Tenant is not null, "tenant", "An Entra ID provider needs its directory (tenant) id or domain.");
                issuer ??= request.Tenant is null ? null : $"https://login.microsoftonline.com/{request.Tenant}/v2.0";
                break;
            case "okta":
                errors.Require(request.Domain is not null, "domain", "An Okta provider needs its Okta domain (example.okta.com).");
                issuer ??= request.Domain is null ? null : $"https://{request.Domain}";
                break;
            case "google":
                issuer ??= "https://accounts.google.com";
                break;
            default:
                errors.Require(issuer is not null, "issuer", "A generic OIDC provider needs its issuer.");
                break;
        }

        errors.ThrowIfAny();
        return new OidcConfig(provider!, issuer!, request.ClientId!, request.Tenant, request.Domain?.ToLowerInvariant(), scopes);
    }

    public static SamlConfig ValidateSaml(SamlProviderRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name.Trim()), "name", "name is required: 1-100 characters, starting with a letter or digit.");
        errors.Require(!string.IsNullOrWhiteSpace(request.MetadataXml), "metadataXml", "metadataXml (the identity provider's SAML metadata) is required.");
        var mapping = request.AttributeMapping;
        errors.Require(mapping?.Email is { Length: >= 1 and <= 256 }, "attributeMapping", "attributeMapping.email names the attribute carrying the email address.");
        foreach (var value in new[] { mapping?.FirstName, mapping?.LastName, mapping?.Groups })
        {
            errors.Require(value is null or { Length: >= 1 and <= 256 }, "attributeMapping", "Attribute names are 1-256 characters.");
        }

        SamlIdentityProvider? idp = null;
        if (!string.IsNullOrWhiteSpace(request.MetadataXml))
        {
            idp = SamlMetadata.TryParse(request.MetadataXml, out var error);
            errors.Require(idp is not null, "metadataXml", error ?? "metadataXml is not usable.");
        }

        errors.ThrowIfAny();
        return new SamlConfig(idp!.EntityId, idp.SsoUrl, idp.Certificates, request.MetadataXml!,
            new SamlAttributeMapping(mapping!.Email!, mapping.FirstName, mapping.LastName, mapping.Groups));
    }

    public byte[]? Seal(string? secret) => secret is null ? null : secrets.Seal(Encoding.UTF8.GetBytes(secret));

    public static string Serialize<T>(T config) => JsonSerializer.Serialize(config, TenantSettingsStore.JsonOptions);

    public static T Read<T>(SsoProviderRow row) => JsonSerializer.Deserialize<T>(row.Config, TenantSettingsStore.JsonOptions)!;

    private void GuardEnforcement(TenantScope scope, SsoProviderRow row, bool enabledAfter)
    {
        var enforcement = settings.Get(scope, SettingsSections.SsoEnforcement, SsoEnforcementSettings.Default);
        if (enforcement.Enforced && row.Enabled && !enabledAfter && !store.List(scope).Any(p => p.Enabled && p.Id != row.Id))
        {
            throw ApiProblemException.Conflict("SSO is enforced and this is the last enabled provider; turn enforcement off first.");
        }
    }

    private SsoProviderRow Find(TenantScope scope, string id, string? kind = null)
    {
        var row = store.Get(scope, id);
        return row is not null && (kind is null || row.Kind == kind) ? row : throw ApiProblemException.NotFound(kind is null ? "SSO provider" : $"{kind.ToUpperInvariant()} provider", id);
    }

    private (string EntityId, string Acs) SpUrls(string providerId)
    {
        var baseUrl = users.Value.PublicUrl.TrimEnd('/');
        return ($"{baseUrl}/saml/{providerId}", $"{baseUrl}/api/v1/auth/saml/{providerId}/acs");
    }

    private SsoProviderResponse Response(TenantScope scope, SsoProviderRow row)
    {
        OidcView? oidc = null;
        SamlView? saml = null;
        if (row.Kind == Oidc)
        {
            var c = Read<OidcConfig>(row);
            oidc = new OidcView(c.Provider, c.Issuer, c.ClientId, c.Tenant, c.Domain, c.Scopes, row.SealedClientSecret is not null);
        }
        else
        {
            var c = Read<SamlConfig>(row);
            var (entityId, acs) = SpUrls(row.Id);
            saml = new SamlView(c.EntityId, c.SsoUrl, c.Certificates, c.AttributeMapping, entityId, acs, $"/api/v1/settings/sso/saml/{row.Id}/sp-metadata");
        }

        return new SsoProviderResponse(row.Id, row.Kind, row.Name, row.Enabled, oidc, saml, UnixMs.To(row.CreatedAt), UnixMs.To(row.UpdatedAt));
    }

    private static bool IsHttps(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(u.Host);
}
