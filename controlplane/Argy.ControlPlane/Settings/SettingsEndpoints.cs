using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Scim;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Settings;

/// <summary>SCIM provisioning settings: the role given to users an identity provider creates.</summary>
public sealed record ScimSettings(string DefaultRole)
{
    public static readonly ScimSettings Default = new(Roles.User);
}

public sealed record ScimSettingsRequest(string? DefaultRole);

public sealed record ScimStatusResponse(bool Enabled, string BaseUrl, string DefaultRole, DateTimeOffset? TokenCreatedAt, DateTimeOffset? TokenLastUsedAt);

public sealed record ScimTokenResponse(string Token, string BaseUrl, DateTimeOffset CreatedAt);

public static class SettingsEndpoints
{
    public static RouteGroupBuilder MapSettingsEndpoints(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");
        var read = Permissions.SettingsRead;
        var manage = Permissions.SettingsManage;

        settings.MapGet("/security", (HttpContext c, SettingsService s) => TypedResults.Ok(s.Security(c.Caller().Scope)))
            .RequireAuthorization(read).WithSummary("Session duration, inactivity limit and sessions per user");
        settings.MapPut("/security", (SecuritySettingsRequest r, HttpContext c, SettingsService s) => TypedResults.Ok(s.SetSecurity(c.Caller(), r)))
            .RequireAuthorization(manage).WithSummary("Set session duration, inactivity limit and maximum simultaneous sessions (the oldest is evicted)");

        settings.MapGet("/ip-allowlist", (HttpContext c, SettingsService s) => TypedResults.Ok(AllowListResponse(s.IpAllowList(c.Caller().Scope), c)))
            .RequireAuthorization(read).WithSummary("The IP allow-list, and whether your own address is in it");
        settings.MapPut("/ip-allowlist", (IpAllowListRequest r, bool? force, HttpContext c, SettingsService s) =>
                TypedResults.Ok(AllowListResponse(s.SetIpAllowList(c.Caller(), r, c.Connection.RemoteIpAddress, force ?? false), c)))
            .RequireAuthorization(manage)
            .WithSummary("Set the IP allow-list (IPv4/IPv6 CIDR ranges); refused with 409 when it would lock out your own address, unless force=true");

        settings.MapGet("/branding", (HttpContext c, SettingsService s) => TypedResults.Ok(s.Branding(c.Caller().Scope)))
            .RequireAuthorization(read).WithSummary("Name, logo and portal domain");
        settings.MapPut("/branding", (BrandingRequest r, HttpContext c, SettingsService s) => TypedResults.Ok(s.SetBranding(c.Caller(), r)))
            .RequireAuthorization(manage).WithSummary("Set the name, HTTPS logo URL and custom portal domain");

        settings.MapGet("/llm-filter", (HttpContext c, SettingsService s) => TypedResults.Ok(s.LlmFilter(c.Caller().Scope)))
            .RequireAuthorization(read).WithSummary("The LLM gateway filter policy");
        settings.MapPut("/llm-filter", (LlmFilterRequest r, HttpContext c, SettingsService s) => TypedResults.Ok(s.SetLlmFilter(c.Caller(), r)))
            .RequireAuthorization(manage).WithSummary("Set PII and secrets handling (Mask, Block, Off) and the output policy (Mask, Block)");

        settings.MapGet("/quotas", (HttpContext c, SettingsService s) => TypedResults.Ok(s.Quotas(c.Caller().Scope)))
            .RequireAuthorization(read).WithSummary("The tenant's quotas (null: no limit)");
        settings.MapPut("/quotas", (QuotasRequest r, HttpContext c, SettingsService s) => TypedResults.Ok(s.SetQuotas(c.Caller(), r)))
            .RequireAuthorization(manage).WithSummary("Set the maximum numbers of users, teams, products and active API tokens");

        settings.MapGet("/sso", (HttpContext c, SsoService s) => TypedResults.Ok(s.Overview(c.Caller().Scope)))
            .RequireAuthorization(read).WithSummary("SSO providers and enforcement (client secrets are never returned)");
        settings.MapPost("/sso/oidc", (OidcProviderRequest r, HttpContext c, SsoService s) =>
            {
                var created = s.CreateOidc(c.Caller(), r);
                return TypedResults.Created($"/api/v1/settings/sso/providers/{created.Id}", created);
            })
            .RequireAuthorization(manage).WithSummary("Add an OIDC provider (Entra ID, Okta, Google or generic); the client secret is encrypted at rest");
        settings.MapPut("/sso/oidc/{id}", (string id, OidcProviderRequest r, HttpContext c, SsoService s) => TypedResults.Ok(s.UpdateOidc(c.Caller(), id, r)))
            .RequireAuthorization(manage).WithSummary("Replace an OIDC provider's configuration (omit clientSecret to keep it)");
        settings.MapPost("/sso/saml", (SamlProviderRequest r, HttpContext c, SsoService s) =>
            {
                var created = s.CreateSaml(c.Caller(), r);
                return TypedResults.Created($"/api/v1/settings/sso/providers/{created.Id}", created);
            })
            .RequireAuthorization(manage).WithSummary("Add a SAML identity provider from its metadata XML, with the attribute mapping");
        settings.MapPut("/sso/saml/{id}", (string id, SamlProviderRequest r, HttpContext c, SsoService s) => TypedResults.Ok(s.UpdateSaml(c.Caller(), id, r)))
            .RequireAuthorization(manage).WithSummary("Replace a SAML provider's metadata and attribute mapping");
        settings.MapGet("/sso/saml/{id}/sp-metadata", (string id, HttpContext c, SsoService s) =>
                TypedResults.Text(s.ServiceProviderMetadata(c.Caller().Scope, id), "application/samlmetadata+xml"))
            .RequireAuthorization(read).WithSummary("Download the service provider metadata to give the identity provider");
        settings.MapGet("/sso/providers/{id}", (string id, HttpContext c, SsoService s) => TypedResults.Ok(s.Get(c.Caller().Scope, id)))
            .RequireAuthorization(read).WithSummary("Get an SSO provider");
        settings.MapDelete("/sso/providers/{id}", (string id, HttpContext c, SsoService s) =>
            {
                s.Delete(c.Caller(), id);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(manage).WithSummary("Remove an SSO provider");
        settings.MapPut("/sso/enforcement", (SsoEnforcementRequest r, HttpContext c, SettingsService s) => TypedResults.Ok(s.SetSsoEnforcement(c.Caller(), r)))
            .RequireAuthorization(manage)
            .WithSummary("Enforce SSO: emailed sign-in links then work for the named break-glass admins only (at least one is required)");

        settings.MapGet("/scim", (HttpContext c, ScimTokenStore tokens, TenantSettingsStore store) =>
            {
                var scope = c.Caller().Scope;
                var current = tokens.Current(scope);
                return TypedResults.Ok(new ScimStatusResponse(current is not null, ScimBaseUrl(c), store.Get(scope, SettingsSections.Scim, ScimSettings.Default).DefaultRole,
                    UnixMs.To(current?.CreatedAt), UnixMs.To(current?.LastUsedAt)));
            })
            .RequireAuthorization(read).WithSummary("SCIM provisioning status");
        settings.MapPut("/scim", (ScimSettingsRequest r, HttpContext c, TenantSettingsStore store) =>
            {
                var caller = c.Caller();
                if (r.DefaultRole is null || !Roles.All.Contains(r.DefaultRole))
                {
                    throw ApiProblemException.Validation(new Dictionary<string, string[]> { ["defaultRole"] = [$"defaultRole must be one of: {string.Join(", ", Roles.All)}."] });
                }

                store.Save(caller.Scope, SettingsSections.Scim, new ScimSettings(r.DefaultRole), caller.ActorId);
                return TypedResults.Ok(new ScimSettings(r.DefaultRole));
            })
            .RequireAuthorization(manage).WithSummary("Set the role given to users the identity provider creates");
        settings.MapPost("/scim/token", (HttpContext c, ScimTokenStore tokens) =>
            {
                var caller = c.Caller();
                var (row, token) = tokens.Rotate(caller.Scope, caller.ActorId);
                return TypedResults.Ok(new ScimTokenResponse(token, ScimBaseUrl(c), UnixMs.To(row.CreatedAt)));
            })
            .RequireAuthorization(manage).WithSummary("Issue the tenant's SCIM bearer token (shown once; the previous one stops working)");
        settings.MapDelete("/scim/token", (HttpContext c, ScimTokenStore tokens) =>
            {
                tokens.Revoke(c.Caller().Scope);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(manage).WithSummary("Revoke the SCIM token: provisioning stops");

        return api;
    }

    private static IpAllowListResponse AllowListResponse(IpAllowListSettings list, HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        return new IpAllowListResponse(list.Enabled, list.Entries, address?.ToString() ?? "", list.Allows(address) || !list.Enabled);
    }

    private static string ScimBaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/scim/v2";
}
