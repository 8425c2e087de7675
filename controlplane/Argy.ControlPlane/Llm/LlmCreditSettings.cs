using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.Llm;

/// <summary>
/// A tenant's LLM credit settings, stored as the <c>llm-credits</c> settings section. Quotas are monthly token
/// counts; a role mapped to null is unlimited, a role missing from <see cref="RoleMonthlyTokens"/> has its default.
/// </summary>
public sealed record LlmCreditSettings(
    IReadOnlyDictionary<string, long?> RoleMonthlyTokens,
    string TimeZone,
    int WarningPercent,
    int CriticalPercent,
    IReadOnlyList<string> AlertRecipients,
    int ReservationMinutes)
{
    public const string Section = "llm-credits";

    public const long TokensPerCredit = 1_000_000;

    public static readonly LlmCreditSettings Default = new(
        new Dictionary<string, long?>(StringComparer.Ordinal)
        {
            [Roles.Admin] = null,
            [Roles.PlatformEngineer] = 100 * TokensPerCredit,
            [Roles.ProductManager] = 50 * TokensPerCredit,
            [Roles.User] = 50 * TokensPerCredit,
            [Roles.Approver] = 10 * TokensPerCredit,
            [Roles.Viewer] = 0,
        },
        "UTC",
        WarningPercent: 80,
        CriticalPercent: 95,
        AlertRecipients: [],
        ReservationMinutes: 15);

    /// <summary>The role's monthly quota in tokens; null is unlimited.</summary>
    public long? QuotaForRole(string role) =>
        RoleMonthlyTokens.TryGetValue(role, out var tokens) ? tokens
        : Default.RoleMonthlyTokens.TryGetValue(role, out var fallback) ? fallback
        : 0;

    public TimeZoneInfo Zone => LlmPeriod.Zone(TimeZone);

    public static decimal Credits(long tokens) => (decimal)tokens / TokensPerCredit;

    public static decimal? Credits(long? tokens) => tokens is { } t ? Credits(t) : null;
}
