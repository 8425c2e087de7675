using System.Net;
using System.Text.RegularExpressions;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Settings;

/// <summary>Validates and saves the tenant's settings sections, with the guards that keep admins from locking themselves out.</summary>
public sealed partial class SettingsService(TenantSettingsStore store, UserStore users, SsoProviderStore providers)
{
    public const int MaxAllowListEntries = 200;

    public SecuritySettings Security(TenantScope scope) => store.Get(scope, SettingsSections.Security, SecuritySettings.Default);

    public IpAllowListSettings IpAllowList(TenantScope scope) => store.Get(scope, SettingsSections.IpAllowList, IpAllowListSettings.Default);

    public BrandingSettings Branding(TenantScope scope) => store.Get(scope, SettingsSections.Branding, BrandingSettings.Default);

    public LlmFilterSettings LlmFilter(TenantScope scope) => store.Get(scope, SettingsSections.LlmFilter, LlmFilterSettings.Default);

    public QuotaSettings Quotas(TenantScope scope) => store.Get(scope, SettingsSections.Quotas, QuotaSettings.Default);

    public SsoEnforcementSettings SsoEnforcement(TenantScope scope) => store.Get(scope, SettingsSections.SsoEnforcement, SsoEnforcementSettings.Default);

    public SecuritySettings SetSecurity(Caller caller, SecuritySettingsRequest request)
    {
        var value = ValidateSecurity(request);
        Save(caller, SettingsSections.Security, value);
        return value;
    }

    public static SecuritySettings ValidateSecurity(SecuritySettingsRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.SessionDurationMinutes is >= 5 and <= 30 * 24 * 60, "sessionDurationMinutes", "sessionDurationMinutes must be between 5 and 43200 (30 days).");
        errors.Require(request.InactivityTimeoutMinutes is >= 5 and <= 7 * 24 * 60, "inactivityTimeoutMinutes", "inactivityTimeoutMinutes must be between 5 and 10080 (7 days).");
        errors.Require(request.InactivityTimeoutMinutes is null || request.SessionDurationMinutes is null || request.InactivityTimeoutMinutes <= request.SessionDurationMinutes,
            "inactivityTimeoutMinutes", "inactivityTimeoutMinutes cannot be longer than sessionDurationMinutes.");
        errors.Require(request.MaxSessionsPerUser is >= 1 and <= 100, "maxSessionsPerUser", "maxSessionsPerUser must be between 1 and 100.");
        errors.ThrowIfAny();
        return new SecuritySettings(request.SessionDurationMinutes!.Value, request.InactivityTimeoutMinutes!.Value, request.MaxSessionsPerUser!.Value);
    }

    /// <summary>
    /// Saves the allow-list. Enabling a list that does not include the caller's own address is refused with 409
    /// unless <paramref name="force"/> is set: the next request would be refused.
    /// </summary>
    public IpAllowListSettings SetIpAllowList(Caller caller, IpAllowListRequest request, IPAddress? callerAddress, bool force)
    {
        var value = ValidateIpAllowList(request);
        if (value.Enabled && !value.Allows(callerAddress) && !force)
        {
            throw new ApiProblemException(StatusCodes.Status409Conflict, "Would lock you out",
                $"Your address {callerAddress} is not in the new allow-list, so this change would refuse your next request. " +
                "Add a range that includes it, or repeat with ?force=true if you mean it.");
        }

        Save(caller, SettingsSections.IpAllowList, value);
        return value;
    }

    public static IpAllowListSettings ValidateIpAllowList(IpAllowListRequest request)
    {
        var errors = new FieldErrors();
        var entries = request.Entries ?? [];
        errors.Require(request.Enabled is not null, "enabled", "enabled is required.");
        errors.Require(entries.Count <= MaxAllowListEntries, "entries", $"entries has more than {MaxAllowListEntries} ranges.");
        errors.Require(request.Enabled != true || entries.Count > 0, "entries", "An enabled allow-list needs at least one range.");
        foreach (var entry in entries)
        {
            errors.Require(entry is not null && IpAllowListSettings.TryParse(entry.Cidr, out _), "entries",
                $"'{entry?.Cidr}' is not an IPv4 or IPv6 address or CIDR range (with no bits set after the prefix).");
            errors.Require(entry?.Description is null || (entry.Description.Length <= 200 && !entry.Description.Any(char.IsControl)), "entries",
                "A description is at most 200 characters.");
        }

        errors.ThrowIfAny();
        return new IpAllowListSettings(request.Enabled!.Value, entries.Select(e => new IpAllowEntry(e.Cidr.Trim(), e.Description)).ToList());
    }

    public BrandingSettings SetBranding(Caller caller, BrandingRequest request)
    {
        var value = ValidateBranding(request);
        Save(caller, SettingsSections.Branding, value);
        return value;
    }

    public static BrandingSettings ValidateBranding(BrandingRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.DisplayName is null || (request.DisplayName.Trim().Length is >= 1 and <= 100 && !request.DisplayName.Any(char.IsControl)),
            "displayName", "displayName is 1-100 characters.");
        errors.Require(request.LogoUrl is null || (request.LogoUrl.Length <= 2048 && Uri.TryCreate(request.LogoUrl, UriKind.Absolute, out var logo)
            && logo.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(logo.Host)), "logoUrl", "logoUrl must be an absolute https:// URL.");
        errors.Require(request.PortalDomain is null || (request.PortalDomain.Length <= 253 && HostName().IsMatch(request.PortalDomain)),
            "portalDomain", "portalDomain must be a DNS name such as portal.example.com (no scheme, port or path).");
        errors.ThrowIfAny();
        return new BrandingSettings(request.DisplayName?.Trim(), request.LogoUrl, request.PortalDomain?.ToLowerInvariant());
    }

    public LlmFilterSettings SetLlmFilter(Caller caller, LlmFilterRequest request)
    {
        var value = ValidateLlmFilter(request);
        Save(caller, SettingsSections.LlmFilter, value);
        return value;
    }

    public static LlmFilterSettings ValidateLlmFilter(LlmFilterRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.PiiMode is not null && LlmFilterSettings.Modes.Contains(request.PiiMode), "piiMode", "piiMode must be Mask, Block or Off.");
        errors.Require(request.SecretsMode is not null && LlmFilterSettings.Modes.Contains(request.SecretsMode), "secretsMode", "secretsMode must be Mask, Block or Off.");
        errors.Require(request.OutputPolicy is not null && LlmFilterSettings.OutputPolicies.Contains(request.OutputPolicy), "outputPolicy", "outputPolicy must be Mask or Block.");
        errors.ThrowIfAny();
        return new LlmFilterSettings(request.PiiMode!, request.SecretsMode!, request.OutputPolicy!);
    }

    public QuotaSettings SetQuotas(Caller caller, QuotasRequest request)
    {
        var value = ValidateQuotas(request);
        Save(caller, SettingsSections.Quotas, value);
        return value;
    }

    public static QuotaSettings ValidateQuotas(QuotasRequest request)
    {
        var errors = new FieldErrors();
        foreach (var (name, limit) in new[] { ("maxUsers", request.MaxUsers), ("maxTeams", request.MaxTeams), ("maxProducts", request.MaxProducts), ("maxApiTokens", request.MaxApiTokens) })
        {
            errors.Require(limit is null or (>= 1 and <= 1_000_000), name, $"{name} is null (no limit) or between 1 and 1000000.");
        }

        errors.ThrowIfAny();
        return new QuotaSettings(request.MaxUsers, request.MaxTeams, request.MaxProducts, request.MaxApiTokens);
    }

    /// <summary>Turning SSO enforcement on needs an enabled provider and at least one active admin kept as break-glass.</summary>
    public SsoEnforcementSettings SetSsoEnforcement(Caller caller, SsoEnforcementRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.Enforced is not null, "enforced", "enforced is required.");
        var ids = (request.BreakGlassUserIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        errors.Require(ids.Count <= 20, "breakGlassUserIds", "At most 20 break-glass users.");
        foreach (var id in ids)
        {
            var user = id is null ? null : users.Get(caller.Scope, id);
            errors.Require(user is { Role: Roles.Admin, Status: UserStatus.Active }, "breakGlassUserIds", $"'{id}' is not an active {Roles.Admin} of this tenant.");
        }

        errors.ThrowIfAny();
        if (request.Enforced == true)
        {
            if (!providers.List(caller.Scope).Any(p => p.Enabled))
            {
                throw ApiProblemException.Conflict("Enforcing SSO needs at least one enabled SSO provider.");
            }

            if (ids.Count == 0)
            {
                throw ApiProblemException.Conflict("Enforcing SSO needs at least one break-glass admin who can still sign in with an emailed link.");
            }
        }

        var value = new SsoEnforcementSettings(request.Enforced!.Value, ids);
        Save(caller, SettingsSections.SsoEnforcement, value);
        return value;
    }

    /// <summary>While SSO is enforced, the last break-glass admin cannot be disabled, demoted or removed.</summary>
    public void GuardBreakGlass(TenantScope scope, UserRow user, string newRole, string newStatus)
    {
        var enforcement = SsoEnforcement(scope);
        if (!enforcement.Enforced || !enforcement.BreakGlassUserIds.Contains(user.Id, StringComparer.Ordinal)
            || (newRole == Roles.Admin && newStatus == UserStatus.Active))
        {
            return;
        }

        var others = enforcement.BreakGlassUserIds.Where(id => id != user.Id)
            .Select(id => users.Get(scope, id)).Count(u => u is { Role: Roles.Admin, Status: UserStatus.Active });
        if (others == 0)
        {
            throw ApiProblemException.Conflict($"User {user.Id} is the last break-glass admin while SSO is enforced; name another one first.");
        }
    }

    private void Save<T>(Caller caller, string section, T value)
    {
        store.Save(caller.Scope, section, value, caller.ActorId);
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase)]
    private static partial Regex HostName();
}
