namespace Argy.ControlPlane.Settings;

/// <summary>How the LLM gateway filters prompts and answers: PII and secrets Mask, Block or Off; output Mask or Block.</summary>
public sealed record LlmFilterSettings(string PiiMode, string SecretsMode, string OutputPolicy)
{
    public static readonly LlmFilterSettings Default = new("Mask", "Block", "Mask");

    public static readonly IReadOnlyList<string> Modes = ["Mask", "Block", "Off"];

    public static readonly IReadOnlyList<string> OutputPolicies = ["Mask", "Block"];
}

public sealed record SecuritySettingsRequest(int? SessionDurationMinutes, int? InactivityTimeoutMinutes, int? MaxSessionsPerUser);

public sealed record IpAllowListRequest(bool? Enabled, IReadOnlyList<IpAllowEntry>? Entries);

public sealed record IpAllowListResponse(bool Enabled, IReadOnlyList<IpAllowEntry> Entries, string YourAddress, bool YourAddressAllowed);

public sealed record BrandingRequest(string? DisplayName, string? LogoUrl, string? PortalDomain);

public sealed record LlmFilterRequest(string? PiiMode, string? SecretsMode, string? OutputPolicy);

public sealed record QuotasRequest(int? MaxUsers, int? MaxTeams, int? MaxProducts, int? MaxApiTokens);

public sealed record SsoEnforcementRequest(bool? Enforced, IReadOnlyList<string>? BreakGlassUserIds);
