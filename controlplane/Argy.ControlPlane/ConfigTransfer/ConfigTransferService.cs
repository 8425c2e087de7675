using Argy.ControlPlane.Audit;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.ConfigTransfer;

/// <summary>
/// Export and import of a tenant's configuration. Import first shows what would change (a preview with a
/// fingerprint of the change set); applying needs that fingerprint, re-checks it against the current state and
/// writes everything in one transaction, so an import is applied whole or not at all. Import creates and
/// updates; it never deletes what the document does not mention.
/// </summary>
public sealed partial class ConfigTransferService(
    Database database,
    TenantSettingsStore settings,
    SettingsService settingsService,
    SsoProviderStore providers,
    TeamStore teams,
    ProductStore products,
    AuditTrail audit,
    TimeProvider time,
    ILogger<ConfigTransferService> logger)
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    public ConfigDocument Export(TenantScope scope, IReadOnlyList<string>? sections)
    {
        var wanted = Sections(sections);
        return new ConfigDocument(
            ConfigDocument.CurrentFormat,
            wanted,
            wanted.Contains(ConfigSections.Sso) ? new SsoSection(providers.List(scope).Select(ToDocument).ToList()) : null,
            wanted.Contains(ConfigSections.Quotas) ? settingsService.Quotas(scope) : null,
            wanted.Contains(ConfigSections.Teams) ? ExportTeams(scope) : null,
            wanted.Contains(ConfigSections.Policies) ? new PoliciesSection(settingsService.Security(scope), settingsService.IpAllowList(scope), settingsService.LlmFilter(scope)) : null,
            wanted.Contains(ConfigSections.Branding) ? settingsService.Branding(scope) : null);
    }

    public ImportPreview Preview(TenantScope scope, ConfigDocument? document)
    {
        var plan = Plan(scope, Validate(document));
        return new ImportPreview(plan.Changes, plan.Warnings, Fingerprint(document!, plan.Changes));
    }

    public ImportResult Apply(Caller caller, ImportRequest request, System.Net.IPAddress? callerAddress)
    {
        var document = Validate(request.Document);
        var plan = Plan(caller.Scope, document);
        if (string.IsNullOrEmpty(request.Confirm))
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]>
            {
                ["confirm"] = ["confirm is required: the fingerprint of the preview you reviewed (POST /config/import/preview)."],
            });
        }

        if (!string.Equals(request.Confirm, Fingerprint(document, plan.Changes), StringComparison.Ordinal))
        {
            throw ApiProblemException.Conflict("The configuration changed since the preview (or the document differs): preview again and confirm the new fingerprint.");
        }

        if (document.Policies?.IpAllowList is { Enabled: true } list && !list.Allows(callerAddress) && request.Force != true)
        {
            throw new ApiProblemException(StatusCodes.Status409Conflict, "Would lock you out",
                $"The imported IP allow-list does not include your address {callerAddress}; import with force=true if you mean it.");
        }

        var changed = plan.Changes.Where(c => c.Action != "unchanged").ToList();
        using (var connection = database.Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            Write(connection, transaction, caller, document);
            audit.Append(connection, transaction, caller.Scope, new AuditEntry(AuditActions.ConfigImported, AuditResources.Config, null,
                Detail: $"Configuration imported: {changed.Count} change(s) in {string.Join(", ", document.Sections)}.",
                Data: new Dictionary<string, string?>
                {
                    ["section"] = string.Join(",", document.Sections),
                    ["changes"] = changed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["fingerprint"] = request.Confirm,
                }));
            transaction.Commit();
        }

        foreach (var section in new[] { SettingsSections.Quotas, SettingsSections.Security, SettingsSections.IpAllowList, SettingsSections.LlmFilter, SettingsSections.Branding })
        {
            settings.Forget(caller.Scope, section);
        }

        LogImported(logger, caller.Scope.TenantId, changed.Count, caller.ActorId);
        return new ImportResult(changed, plan.Warnings);
    }

    private static List<string> Sections(IReadOnlyList<string>? sections)
    {
        var wanted = (sections is null || sections.Count == 0 ? ConfigSections.All : sections).Select(s => s.Trim().ToLowerInvariant()).Distinct().ToList();
        var unknown = wanted.Where(s => !ConfigSections.All.Contains(s)).ToList();
        if (unknown.Count > 0)
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]>
            {
                ["sections"] = [$"Unknown section(s) {string.Join(", ", unknown)}; use {string.Join(", ", ConfigSections.All)}."],
            });
        }

        return [.. ConfigSections.All.Where(wanted.Contains)];
    }

    private TeamsSection ExportTeams(TenantScope scope) => new(
        products.List(scope).Select(p => new ProductDocument(p.Name, p.Description)).ToList(),
        teams.List(scope).Select(t => new TeamDocument(t.Name, t.Description,
            teams.Products(scope, t.Id).Select(p => new TeamProductDocument(p.Name, p.Permission)).ToList())).ToList());

    private static SsoProviderDocument ToDocument(SsoProviderRow row)
    {
        if (row.Kind == SsoService.Oidc)
        {
            var c = SsoService.Read<OidcConfig>(row);
            return new SsoProviderDocument(row.Kind, row.Name, row.Enabled, new OidcDocument(c.Provider, c.Issuer, c.ClientId, c.Tenant, c.Domain, c.Scopes), null);
        }

        var s = SsoService.Read<SamlConfig>(row);
        return new SsoProviderDocument(row.Kind, row.Name, row.Enabled, null, new SamlDocument(s.MetadataXml, s.AttributeMapping));
    }

    /// <summary>Checks the whole document with the same rules as the settings endpoints; 400 lists every problem.</summary>
    private static ConfigDocument Validate(ConfigDocument? document)
    {
        var errors = new Api.FieldErrors();
        if (document is null)
        {
            errors.Add("document", "document is required: an export of argy-config/v1.");
            errors.ThrowIfAny();
        }

        errors.Require(document!.Format == ConfigDocument.CurrentFormat, "format", $"format must be {ConfigDocument.CurrentFormat}.");
        Try(errors, "quotas", () => document.Quotas is { } q ? SettingsService.ValidateQuotas(new QuotasRequest(q.MaxUsers, q.MaxTeams, q.MaxProducts, q.MaxApiTokens)) : null);
        Try(errors, "branding", () => document.Branding is { } b ? SettingsService.ValidateBranding(new BrandingRequest(b.DisplayName, b.LogoUrl, b.PortalDomain)) : null);
        if (document.Policies is { } p)
        {
            Try(errors, "policies.security", () => p.Security is { } s
                ? SettingsService.ValidateSecurity(new SecuritySettingsRequest(s.SessionDurationMinutes, s.InactivityTimeoutMinutes, s.MaxSessionsPerUser)) : null);
            Try(errors, "policies.ipAllowList", () => p.IpAllowList is { } l ? SettingsService.ValidateIpAllowList(new IpAllowListRequest(l.Enabled, l.Entries)) : null);
            Try(errors, "policies.llmFilter", () => p.LlmFilter is { } f ? SettingsService.ValidateLlmFilter(new LlmFilterRequest(f.PiiMode, f.SecretsMode, f.OutputPolicy)) : null);
            errors.Require(p.Security is not null && p.IpAllowList is not null && p.LlmFilter is not null, "policies", "policies needs security, ipAllowList and llmFilter.");
        }

        foreach (var provider in document.Sso?.Providers ?? [])
        {
            Try(errors, $"sso.{provider?.Name}", () => provider switch
            {
                { Kind: SsoService.Oidc, Oidc: { } o } => SsoService.ValidateOidc(
                    new OidcProviderRequest(provider.Name, o.Provider, o.Issuer, o.ClientId, null, o.Tenant, o.Domain, o.Scopes, provider.Enabled), secretRequired: false),
                { Kind: SsoService.Saml, Saml: { } s } => (object)SsoService.ValidateSaml(new SamlProviderRequest(provider.Name, s.MetadataXml,
                    new SamlAttributeMappingRequest(s.AttributeMapping?.Email, s.AttributeMapping?.FirstName, s.AttributeMapping?.LastName, s.AttributeMapping?.Groups), provider.Enabled)),
                _ => throw ApiProblemException.Validation(new Dictionary<string, string[]> { ["kind"] = ["kind must be oidc (with oidc) or saml (with saml)."] }),
            });
        }

        var productNames = new HashSet<string>((document.Teams?.Products ?? []).Select(p => p?.Name ?? ""), StringComparer.Ordinal);
        foreach (var product in document.Teams?.Products ?? [])
        {
            errors.Require(product?.Name is not null && Api.FieldErrors.NamePattern().IsMatch(product.Name), "teams.products", $"'{product?.Name}' is not a valid product name.");
            errors.Require(product?.Description is null or { Length: <= 1000 }, "teams.products", "A product description is at most 1000 characters.");
        }

        foreach (var team in document.Teams?.Teams ?? [])
        {
            errors.Require(team is not null && TeamValidation.IsName(team.Name), "teams.teams", $"'{team?.Name}' is not a valid team name.");
            foreach (var grant in team?.Products ?? [])
            {
                errors.Require(grant is not null && productNames.Contains(grant.Product), "teams.teams", $"Team '{team?.Name}' names product '{grant?.Product}', which the document does not list.");
                errors.Require(grant is not null && ProductPermission.All.Contains(grant.Permission), "teams.teams", $"'{grant?.Permission}' is not read, write or admin.");
            }
        }

        errors.ThrowIfAny();
        return document;
    }

    private static void Try(Api.FieldErrors errors, string field, Func<object?> validate)
    {
        try
        {
            validate();
        }
        catch (ApiProblemException problem) when (problem.Errors is not null)
        {
            foreach (var message in problem.Errors.SelectMany(e => e.Value))
            {
                errors.Add(field, message);
            }
        }
    }

    private sealed record ImportPlan(List<ConfigChange> Changes, List<string> Warnings);

    private ImportPlan Plan(TenantScope scope, ConfigDocument document)
    {
        var changes = new List<ConfigChange>();
        var warnings = new List<string>();

        void Compare<T>(string section, string item, T? current, T? desired, bool isDefault)
        {
            if (desired is null)
            {
                return;
            }

            var before = isDefault ? null : Json(current);
            var after = Json(desired);
            changes.Add(new ConfigChange(section, before == after ? "unchanged" : before is null ? "create" : "update", item, before, after));
        }

        Compare(ConfigSections.Quotas, "quotas", settingsService.Quotas(scope), document.Quotas, !settings.IsSet(scope, SettingsSections.Quotas));
        Compare(ConfigSections.Branding, "branding", settingsService.Branding(scope), document.Branding, !settings.IsSet(scope, SettingsSections.Branding));
        if (document.Policies is { } policies)
        {
            Compare(ConfigSections.Policies, "security", settingsService.Security(scope), policies.Security, !settings.IsSet(scope, SettingsSections.Security));
            Compare(ConfigSections.Policies, "ipAllowList", settingsService.IpAllowList(scope), policies.IpAllowList, !settings.IsSet(scope, SettingsSections.IpAllowList));
            Compare(ConfigSections.Policies, "llmFilter", settingsService.LlmFilter(scope), policies.LlmFilter, !settings.IsSet(scope, SettingsSections.LlmFilter));
        }

        if (document.Sso is { } ssoSection)
        {
            var existing = providers.List(scope).ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var provider in ssoSection.Providers)
            {
                var current = existing.GetValueOrDefault(provider.Name);
                if (current is not null && current.Kind != provider.Kind)
                {
                    throw ApiProblemException.Conflict($"SSO provider '{provider.Name}' exists as {current.Kind}; the document has it as {provider.Kind}.");
                }

                Compare(ConfigSections.Sso, $"provider {provider.Name}", current is null ? null : ToDocument(current), provider, current is null);
                if (current is null && provider.Kind == SsoService.Oidc)
                {
                    warnings.Add($"OIDC provider '{provider.Name}' is created without a client secret (exports never carry secrets): set it with PUT /api/v1/settings/sso/oidc/{{id}}.");
                }
            }
        }

        if (document.Teams is { } teamsSection)
        {
            foreach (var product in teamsSection.Products)
            {
                var current = products.FindByName(scope, product.Name);
                Compare(ConfigSections.Teams, $"product {product.Name}", current is null ? null : new ProductDocument(current.Name, current.Description), product, current is null);
            }

            foreach (var team in teamsSection.Teams)
            {
                var current = teams.FindByName(scope, team.Name);
                var currentDocument = current is null ? null : new TeamDocument(current.Name, current.Description,
                    teams.Products(scope, current.Id).Select(p => new TeamProductDocument(p.Name, p.Permission)).ToList());
                Compare(ConfigSections.Teams, $"team {team.Name}", currentDocument, Normalize(team), current is null);
            }
        }

        return new ImportPlan(changes, warnings);
    }

    private static TeamDocument Normalize(TeamDocument team) =>
        team with { Description = team.Description ?? "", Products = team.Products.OrderBy(p => p.Product, StringComparer.Ordinal).ToList() };

    private void Write(SqliteConnection connection, SqliteTransaction transaction, Caller caller, ConfigDocument document)
    {
        var scope = caller.Scope;
        if (document.Quotas is { } quotas)
        {
            settings.Save(connection, transaction, scope, SettingsSections.Quotas, quotas, caller.ActorId);
        }

        if (document.Branding is { } branding)
        {
            settings.Save(connection, transaction, scope, SettingsSections.Branding, branding, caller.ActorId);
        }

        if (document.Policies is { } policies)
        {
            settings.Save(connection, transaction, scope, SettingsSections.Security, policies.Security, caller.ActorId);
            settings.Save(connection, transaction, scope, SettingsSections.IpAllowList, policies.IpAllowList, caller.ActorId);
            settings.Save(connection, transaction, scope, SettingsSections.LlmFilter, policies.LlmFilter, caller.ActorId);
        }

        if (document.Sso is { } ssoSection)
        {
            var existing = SsoProviderStore.List(connection, transaction, scope).ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var provider in ssoSection.Providers)
            {
                var config = provider.Kind == SsoService.Oidc
                    ? SsoService.Serialize(SsoService.ValidateOidc(new OidcProviderRequest(provider.Name, provider.Oidc!.Provider, provider.Oidc.Issuer,
                        provider.Oidc.ClientId, null, provider.Oidc.Tenant, provider.Oidc.Domain, provider.Oidc.Scopes, provider.Enabled), secretRequired: false))
                    : SsoService.Serialize(SsoService.ValidateSaml(new SamlProviderRequest(provider.Name, provider.Saml!.MetadataXml,
                        new SamlAttributeMappingRequest(provider.Saml.AttributeMapping.Email, provider.Saml.AttributeMapping.FirstName,
                            provider.Saml.AttributeMapping.LastName, provider.Saml.AttributeMapping.Groups), provider.Enabled)));
                if (existing.TryGetValue(provider.Name, out var current))
                {
                    providers.Update(connection, transaction, scope, current.Id, provider.Name, config, null, provider.Enabled);
                }
                else
                {
                    _ = providers.Create(connection, transaction, scope, provider.Kind, provider.Name, config, null, provider.Enabled)
                        ?? throw ApiProblemException.Conflict($"SSO provider '{provider.Name}' could not be created.");
                }
            }
        }

        if (document.Teams is { } teamsSection)
        {
            var now = UnixMs.From(time.GetUtcNow());
            var productIds = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var product in teamsSection.Products)
            {
                var current = ProductStore.FindByName(connection, transaction, scope, product.Name);
                if (current is null)
                {
                    current = products.Create(connection, transaction, scope, product.Name, product.Description ?? "", caller.ActorId, null)
                        ?? throw ApiProblemException.Conflict($"Product '{product.Name}' could not be created.");
                }
                else
                {
                    connection.Execute(
                        "UPDATE products SET description = @description, updated_at = @now WHERE id = @id AND tenant_id = @tenant",
                        new { description = product.Description ?? "", now, id = current.Id, tenant = scope.TenantId }, transaction);
                }

                productIds[product.Name] = current.Id;
            }

            foreach (var team in teamsSection.Teams)
            {
                var current = TeamStore.FindByName(connection, transaction, scope, team.Name);
                if (current is null)
                {
                    current = teams.Create(connection, transaction, scope, team.Name, team.Description ?? "", null, null, null)
                        ?? throw ApiProblemException.Conflict($"Team '{team.Name}' could not be created.");
                }
                else
                {
                    teams.Update(connection, transaction, scope, current.Id, team.Name, team.Description ?? "", null, false, null);
                }

                var granted = team.Products.Select(p => productIds[p.Product]).ToArray();
                connection.Execute(
                    "DELETE FROM team_products WHERE team_id = @team AND tenant_id = @tenant AND product_id NOT IN @granted",
                    new { team = current.Id, tenant = scope.TenantId, granted }, transaction);
                foreach (var grant in team.Products)
                {
                    TeamStore.Grant(connection, transaction, scope, current.Id, productIds[grant.Product], grant.Permission);
                }
            }
        }
    }

    private static string Fingerprint(ConfigDocument document, IReadOnlyList<ConfigChange> changes)
    {
        var text = JsonSerializer.Serialize(document, Canonical) + "\n" + JsonSerializer.Serialize(changes, Canonical);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    private static string? Json<T>(T? value) => value is null ? null : JsonSerializer.Serialize(value, TenantSettingsStore.JsonOptions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration imported into tenant {TenantId}: {Changes} change(s) by {Actor}")]
    private static partial void LogImported(ILogger logger, string tenantId, int changes, string actor);
}
