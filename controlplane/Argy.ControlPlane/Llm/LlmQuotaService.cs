using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Llm;

/// <summary>The administration of LLM credits: monthly quotas per role and per user, billing time zone and alert thresholds.</summary>
public sealed class LlmQuotaService(Database database, LlmCreditStore store, TenantSettingsStore settings, AuditTrail audit, TimeProvider time)
{
    public const decimal MaxCredits = 1_000_000;
    public const int MaxRecipients = 20;

    public LlmQuotasResponse Get(TenantScope scope)
    {
        var config = settings.Get(scope, LlmCreditSettings.Section, LlmCreditSettings.Default);
        using var connection = database.Open();
        return Response(config, store.Overrides(connection, scope));
    }

    public LlmQuotasResponse Set(Caller caller, LlmQuotasRequest request)
    {
        var current = settings.Get(caller.Scope, LlmCreditSettings.Section, LlmCreditSettings.Default);
        var errors = new FieldErrors();
        var roles = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var role in Roles.All.Order(StringComparer.Ordinal))
        {
            roles[role] = current.QuotaForRole(role);
        }

        foreach (var (role, credits) in request.RoleMonthlyCredits ?? new Dictionary<string, decimal?>())
        {
            if (!Roles.All.Contains(role))
            {
                errors.Add("roleMonthlyCredits", $"'{role}' is not a role: use {string.Join(", ", Roles.All.Order(StringComparer.Ordinal))}.");
                continue;
            }

            roles[role] = credits is null ? null : Tokens(errors, credits.Value, $"roleMonthlyCredits.{role}");
        }

        var zone = request.TimeZone ?? current.TimeZone;
        errors.Require(LlmPeriod.TryZone(zone, out _), "timeZone", $"timeZone '{zone}' is not a known IANA time zone id (e.g. UTC, Europe/Paris).");
        var warning = request.WarningPercent ?? current.WarningPercent;
        var critical = request.CriticalPercent ?? current.CriticalPercent;
        errors.Require(warning is >= 1 and <= 100, "warningPercent", "warningPercent is 1 to 100.");
        errors.Require(critical is >= 1 and <= 100, "criticalPercent", "criticalPercent is 1 to 100.");
        errors.Require(warning < critical, "warningPercent", "warningPercent must be lower than criticalPercent.");
        var recipients = request.AlertRecipients ?? current.AlertRecipients;
        errors.Require(recipients.Count <= MaxRecipients, "alertRecipients", $"alertRecipients has at most {MaxRecipients} addresses.");
        foreach (var recipient in recipients)
        {
            errors.Require(IsEmail(recipient), "alertRecipients", $"'{recipient}' is not an email address.");
        }

        var minutes = request.ReservationMinutes ?? current.ReservationMinutes;
        errors.Require(minutes is >= 1 and <= 1440, "reservationMinutes", "reservationMinutes is 1 to 1440.");
        errors.ThrowIfAny();

        var updated = new LlmCreditSettings(roles, zone, warning, critical, [.. recipients.Select(r => r.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)], minutes);
        using var connection = database.Open();
        using (var transaction = Database.BeginWrite(connection))
        {
            settings.Save(connection, transaction, caller.Scope, LlmCreditSettings.Section, updated, caller.ActorId);
            audit.Append(connection, transaction, caller.Scope, new AuditEntry(
                AuditActions.LlmQuotasChanged, AuditResources.Settings, LlmCreditSettings.Section, AuditOutcome.Success,
                "Changed the LLM credit quotas, billing time zone or alert thresholds.",
                new Dictionary<string, string?>
                {
                    ["roleMonthlyCredits"] = string.Join(',', roles.Select(r => $"{r.Key}={Show(r.Value)}")),
                    ["timeZone"] = zone,
                    ["warningPercent"] = warning.ToString(CultureInfo.InvariantCulture),
                    ["criticalPercent"] = critical.ToString(CultureInfo.InvariantCulture),
                    ["recipients"] = string.Join(',', updated.AlertRecipients),
                    ["reservationMinutes"] = minutes.ToString(CultureInfo.InvariantCulture),
                }));
            transaction.Commit();
        }

        settings.Forget(caller.Scope, LlmCreditSettings.Section);
        return Response(updated, store.Overrides(connection, caller.Scope));
    }

    public LlmUserOverride SetUser(Caller caller, string userId, LlmUserQuotaRequest request)
    {
        var errors = new FieldErrors();
        var unlimited = request.Unlimited == true;
        errors.Require(unlimited ^ request.MonthlyCredits is not null, "monthlyCredits", "Give either monthlyCredits or unlimited: true.");
        var tokens = request.MonthlyCredits is { } credits ? Tokens(errors, credits, "monthlyCredits") : null;
        errors.ThrowIfAny();

        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var user = store.User(connection, transaction, caller.Scope, userId) ?? throw ApiProblemException.NotFound("user", userId);
        store.SetOverride(connection, transaction, caller.Scope, user.Id, tokens, UnixMs.From(time.GetUtcNow()), caller.ActorId);
        audit.Append(connection, transaction, caller.Scope, new AuditEntry(
            AuditActions.LlmUserQuotaSet, AuditResources.User, user.Id, AuditOutcome.Success,
            $"Set the monthly LLM credits of {user.Email} to {Show(tokens)}.",
            new Dictionary<string, string?> { ["user"] = user.Id, ["monthlyCredits"] = Show(tokens) }));
        transaction.Commit();
        return new LlmUserOverride(user.Id, user.Email, tokens, LlmCreditSettings.Credits(tokens), tokens is null);
    }

    public void ClearUser(Caller caller, string userId)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var user = store.User(connection, transaction, caller.Scope, userId) ?? throw ApiProblemException.NotFound("user", userId);
        if (!store.ClearOverride(connection, transaction, caller.Scope, user.Id))
        {
            throw new ApiProblemException(StatusCodes.Status404NotFound, "Not found", $"User {user.Id} has no LLM credit override.");
        }

        audit.Append(connection, transaction, caller.Scope, new AuditEntry(
            AuditActions.LlmUserQuotaCleared, AuditResources.User, user.Id, AuditOutcome.Success,
            $"Removed the LLM credit override of {user.Email}; their role's quota applies.",
            new Dictionary<string, string?> { ["user"] = user.Id }));
        transaction.Commit();
    }

    private LlmQuotasResponse Response(LlmCreditSettings config, IReadOnlyList<LlmUserOverride> overrides)
    {
        var period = LlmPeriod.At(time.GetUtcNow(), config.Zone);
        var roles = Roles.All.Order(StringComparer.Ordinal).ToDictionary(r => r, r => LlmCreditSettings.Credits(config.QuotaForRole(r)), StringComparer.Ordinal);
        return new LlmQuotasResponse(roles, config.TimeZone, config.WarningPercent, config.CriticalPercent, config.AlertRecipients,
            config.ReservationMinutes, period.Key, period.End, overrides);
    }

    private static long? Tokens(FieldErrors errors, decimal credits, string field)
    {
        var tokens = credits * LlmCreditSettings.TokensPerCredit;
        if (credits < 0 || credits > MaxCredits || tokens != decimal.Truncate(tokens))
        {
            errors.Add(field, $"{field} is 0 to {MaxCredits} credits with at most 6 decimals (1 credit = 1,000,000 tokens), or null for unlimited.");
            return null;
        }

        return (long)tokens;
    }

    private static string Show(long? tokens) => tokens is { } t ? LlmCreditSettings.Credits(t).ToString(CultureInfo.InvariantCulture) : "unlimited";

    private static bool IsEmail(string? text) =>
        text is { Length: > 2 and <= 254 } && System.Net.Mail.MailAddress.TryCreate(text.Trim(), out var address) && address.Address == text.Trim();
}
