namespace Argy.ControlPlane.Llm;

/// <summary>Fields left null are not changed. In <paramref name="RoleMonthlyCredits"/> a role mapped to null becomes unlimited.</summary>
public sealed record LlmQuotasRequest(
    IReadOnlyDictionary<string, decimal?>? RoleMonthlyCredits,
    string? TimeZone,
    int? WarningPercent,
    int? CriticalPercent,
    IReadOnlyList<string>? AlertRecipients,
    int? ReservationMinutes);

public sealed record LlmUserOverride(string UserId, string Email, long? MonthlyTokens, decimal? MonthlyCredits, bool Unlimited);

public sealed record LlmQuotasResponse(
    IReadOnlyDictionary<string, decimal?> RoleMonthlyCredits,
    string TimeZone,
    int WarningPercent,
    int CriticalPercent,
    IReadOnlyList<string> AlertRecipients,
    int ReservationMinutes,
    string CurrentPeriod,
    DateTimeOffset PeriodEndsAt,
    IReadOnlyList<LlmUserOverride> UserOverrides);

/// <summary>Exactly one of a number of credits or <c>unlimited: true</c>.</summary>
public sealed record LlmUserQuotaRequest(decimal? MonthlyCredits, bool? Unlimited);

public sealed record LlmAuthorizeRequest(string? User, string? Model, long? EstimatedTokens, string? CorrelationId);

public sealed record LlmSettleRequest(long? InputTokens, long? OutputTokens, string? Model);

public sealed record LlmUsageRequest(string? User, string? Model, long? InputTokens, long? OutputTokens, string? CorrelationId);

/// <summary>A user's credits in the current period. Quota and remaining are null when the user is unlimited.</summary>
public sealed record LlmBalance(
    string UserId,
    string Period,
    DateTimeOffset PeriodEndsAt,
    long? QuotaTokens,
    long UsedTokens,
    long ReservedTokens,
    long? RemainingTokens,
    decimal? QuotaCredits,
    decimal UsedCredits,
    decimal? RemainingCredits,
    string QuotaSource);

public sealed record LlmReservationResponse(
    string ReservationId,
    string UserId,
    string Model,
    long EstimatedTokens,
    string? CorrelationId,
    DateTimeOffset ExpiresAt,
    LlmBalance Balance);

public sealed record LlmUsageResponse(
    string Id,
    string UserId,
    string Model,
    long InputTokens,
    long OutputTokens,
    long TotalTokens,
    decimal Credits,
    string Period,
    DateTimeOffset At,
    string? CorrelationId,
    string? ReservationId)
{
    public static LlmUsageResponse From(LlmUsageRow row) => new(
        row.Id, row.UserId, row.Model, row.InputTokens, row.OutputTokens, row.TotalTokens, LlmCreditSettings.Credits(row.TotalTokens),
        row.Period, Storage.UnixMs.To(row.At), row.CorrelationId, row.ReservationId);
}

public sealed record LlmSettledResponse(string ReservationId, LlmUsageResponse Usage, LlmBalance Balance, IReadOnlyList<string> AlertsRaised);

public sealed record LlmRecordedResponse(LlmUsageResponse Usage, LlmBalance Balance, IReadOnlyList<string> AlertsRaised, bool Repeated);

public sealed class LlmUsageRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string UserId { get; init; } = "";
    public string Model { get; init; } = "";
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long TotalTokens { get; init; }
    public string Period { get; init; } = "";
    public long At { get; init; }
    public string? CorrelationId { get; init; }
    public string? ReservationId { get; init; }
}

public sealed class LlmReservationRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string UserId { get; init; } = "";
    public string Model { get; init; } = "";
    public string? CorrelationId { get; init; }
    public long EstimatedTokens { get; init; }
    public string Status { get; init; } = "";
    public long CreatedAt { get; init; }
    public long ExpiresAt { get; init; }
    public long? ClosedAt { get; init; }
    public string? UsageId { get; init; }
}

public static class LlmReservationStatus
{
    public const string Pending = "Pending";
    public const string Settled = "Settled";
    public const string Released = "Released";
}
