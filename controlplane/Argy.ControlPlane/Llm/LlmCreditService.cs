using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Llm;

/// <summary>Why an authorization was refused: the quota it would exceed and when the quota resets.</summary>
public sealed record LlmRefusal(string Detail, LlmBalance Balance, long EstimatedTokens, DateTimeOffset ResetsAt);

/// <summary>
/// Reserves, settles and records LLM tokens against monthly quotas. The check and the reservation happen in one
/// IMMEDIATE transaction (SQLite's single write lock), so concurrent authorizations are serialized and the admitted
/// estimates plus the recorded usage never exceed the quota. Threshold alerts are raised once per user, threshold
/// and period: a unique row in <c>llm_alerts</c> is inserted in the same transaction as the usage that crosses it.
/// </summary>
public sealed class LlmCreditService(Database database, LlmCreditStore store, TenantSettingsStore settings, AuditTrail audit, TimeProvider time)
{
    public const string Warning = "warning";
    public const string Critical = "critical";
    public const long MaxTokens = 1_000_000_000_000;

    public DateTimeOffset Now => time.GetUtcNow();

    public LlmCreditSettings Settings(TenantScope scope) => settings.Get(scope, LlmCreditSettings.Section, LlmCreditSettings.Default);

    public (LlmReservationResponse? Reserved, LlmRefusal? Refused) Authorize(TenantScope scope, LlmAuthorizeRequest request)
    {
        var errors = new FieldErrors();
        RequireUser(errors, request.User);
        RequireModel(errors, request.Model);
        errors.Require(request.EstimatedTokens is > 0 and <= MaxTokens, "estimatedTokens", $"estimatedTokens is required: 1 to {MaxTokens}.");
        RequireCorrelation(errors, request.CorrelationId, required: false);
        errors.ThrowIfAny();

        var config = Settings(scope);
        var now = time.GetUtcNow();
        var period = LlmPeriod.At(now, config.Zone);
        var estimate = request.EstimatedTokens!.Value;

        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var user = FindUser(connection, transaction, scope, request.User!);
        if (user.Status == Users.UserStatus.Disabled)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(
                AuditActions.LlmRequestDenied, AuditResources.User, user.Id, AuditOutcome.Denied, $"User {user.Id} is disabled and may not use the LLM gateway.",
                new Dictionary<string, string?> { ["user"] = user.Id, ["model"] = request.Model, ["reason"] = "user disabled", ["correlationId"] = request.CorrelationId }));
            transaction.Commit();
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "User disabled", $"User {user.Id} is disabled and may not use the LLM gateway.");
        }

        var balance = Balance(connection, transaction, scope, user, config, period, now);
        if (balance.RemainingTokens is { } remaining && estimate > remaining)
        {
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"The monthly LLM credit quota of user {user.Id} ({balance.QuotaCredits} credits, {balance.QuotaSource}) for {period.Key} has {LlmCreditSettings.Credits(Math.Max(0, remaining))} credits left; the request estimated {LlmCreditSettings.Credits(estimate)}.");
            audit.Append(connection, transaction, scope, new AuditEntry(
                AuditActions.LlmQuotaExceeded, AuditResources.User, user.Id, AuditOutcome.Denied, detail,
                new Dictionary<string, string?>
                {
                    ["user"] = user.Id,
                    ["model"] = request.Model,
                    ["estimatedTokens"] = Number(estimate),
                    ["quotaTokens"] = Number(balance.QuotaTokens),
                    ["usedTokens"] = Number(balance.UsedTokens),
                    ["reservedTokens"] = Number(balance.ReservedTokens),
                    ["period"] = period.Key,
                    ["correlationId"] = request.CorrelationId,
                }));
            transaction.Commit();
            return (null, new LlmRefusal(detail, balance, estimate, period.End));
        }

        var row = new LlmReservationRow
        {
            Id = Ids.New("rsv"),
            TenantId = scope.TenantId,
            UserId = user.Id,
            Model = request.Model!,
            CorrelationId = request.CorrelationId,
            EstimatedTokens = estimate,
            Status = LlmReservationStatus.Pending,
            CreatedAt = UnixMs.From(now),
            ExpiresAt = UnixMs.From(now.AddMinutes(config.ReservationMinutes)),
        };
        store.InsertReservation(connection, transaction, row);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.LlmReservationCreated, AuditResources.LlmReservation, row.Id, AuditOutcome.Success,
            string.Create(CultureInfo.InvariantCulture, $"Reserved {estimate} tokens of {row.Model} for user {user.Id}."),
            new Dictionary<string, string?>
            {
                ["user"] = user.Id, ["model"] = row.Model, ["estimatedTokens"] = Number(estimate), ["period"] = period.Key, ["correlationId"] = row.CorrelationId,
            }));
        var after = Balance(connection, transaction, scope, user, config, period, now);
        transaction.Commit();
        return (new LlmReservationResponse(row.Id, user.Id, row.Model, estimate, row.CorrelationId, UnixMs.To(row.ExpiresAt), after), null);
    }

    public LlmSettledResponse Settle(TenantScope scope, string reservationId, LlmSettleRequest request)
    {
        var errors = new FieldErrors();
        RequireTokens(errors, request.InputTokens, "inputTokens");
        RequireTokens(errors, request.OutputTokens, "outputTokens");
        errors.Require(request.Model is null || IsModel(request.Model), "model", "model is 1-200 printable characters.");
        errors.ThrowIfAny();

        var config = Settings(scope);
        var now = time.GetUtcNow();
        var period = LlmPeriod.At(now, config.Zone);
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var reservation = Open(connection, transaction, scope, reservationId);
        var user = FindUser(connection, transaction, scope, reservation.UserId);
        var usage = NewUsage(scope, user.Id, request.Model ?? reservation.Model, request.InputTokens!.Value, request.OutputTokens!.Value, period, now, null, reservation.Id);
        store.InsertUsage(connection, transaction, usage);
        store.Close(connection, transaction, scope, reservation.Id, LlmReservationStatus.Settled, usage.At, usage.Id);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.LlmReservationSettled, AuditResources.LlmReservation, reservation.Id, AuditOutcome.Success,
            string.Create(CultureInfo.InvariantCulture, $"Settled {usage.TotalTokens} tokens of {usage.Model} for user {user.Id} (estimated {reservation.EstimatedTokens})."),
            UsageData(usage, reservation.EstimatedTokens)));
        var alerts = RaiseAlerts(connection, transaction, scope, user, config, period, now);
        var balance = Balance(connection, transaction, scope, user, config, period, now);
        transaction.Commit();
        return new LlmSettledResponse(reservation.Id, LlmUsageResponse.From(usage), balance, alerts);
    }

    public void Release(TenantScope scope, string reservationId)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var reservation = Open(connection, transaction, scope, reservationId);
        store.Close(connection, transaction, scope, reservation.Id, LlmReservationStatus.Released, UnixMs.From(time.GetUtcNow()), null);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.LlmReservationReleased, AuditResources.LlmReservation, reservation.Id, AuditOutcome.Success,
            string.Create(CultureInfo.InvariantCulture, $"Released the reservation of {reservation.EstimatedTokens} tokens for user {reservation.UserId}."),
            new Dictionary<string, string?> { ["user"] = reservation.UserId, ["model"] = reservation.Model, ["estimatedTokens"] = Number(reservation.EstimatedTokens) }));
        transaction.Commit();
    }

    /// <summary>Records usage without a reservation; a repeated correlation id returns the first record and counts nothing.</summary>
    public LlmRecordedResponse Record(TenantScope scope, LlmUsageRequest request)
    {
        var errors = new FieldErrors();
        RequireUser(errors, request.User);
        RequireModel(errors, request.Model);
        RequireTokens(errors, request.InputTokens, "inputTokens");
        RequireTokens(errors, request.OutputTokens, "outputTokens");
        RequireCorrelation(errors, request.CorrelationId, required: true);
        errors.ThrowIfAny();

        var config = Settings(scope);
        var now = time.GetUtcNow();
        var period = LlmPeriod.At(now, config.Zone);
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var user = FindUser(connection, transaction, scope, request.User!);
        if (store.UsageByCorrelation(connection, transaction, scope, request.CorrelationId!) is { } first)
        {
            if (first.UserId != user.Id)
            {
                throw ApiProblemException.Conflict($"Usage with correlation id '{request.CorrelationId}' was already recorded for another user.");
            }

            var existing = Balance(connection, transaction, scope, user, config, period, now);
            transaction.Commit();
            return new LlmRecordedResponse(LlmUsageResponse.From(first), existing, [], Repeated: true);
        }

        var usage = NewUsage(scope, user.Id, request.Model!, request.InputTokens!.Value, request.OutputTokens!.Value, period, now, request.CorrelationId, null);
        store.InsertUsage(connection, transaction, usage);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.LlmUsageRecorded, AuditResources.LlmUsage, usage.Id, AuditOutcome.Success,
            string.Create(CultureInfo.InvariantCulture, $"Recorded {usage.TotalTokens} tokens of {usage.Model} for user {user.Id}."),
            UsageData(usage, null)));
        var alerts = RaiseAlerts(connection, transaction, scope, user, config, period, now);
        var balance = Balance(connection, transaction, scope, user, config, period, now);
        transaction.Commit();
        return new LlmRecordedResponse(LlmUsageResponse.From(usage), balance, alerts, Repeated: false);
    }

    public LlmBalance Balance(TenantScope scope, string userId)
    {
        var config = Settings(scope);
        var now = time.GetUtcNow();
        using var connection = database.Open();
        var user = FindUser(connection, null, scope, userId);
        return Balance(connection, null, scope, user, config, LlmPeriod.At(now, config.Zone), now);
    }

    private LlmBalance Balance(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, LlmUser user, LlmCreditSettings config, LlmPeriod period, DateTimeOffset now)
    {
        var (quota, source) = Quota(connection, transaction, scope, user, config);
        var used = store.Used(connection, transaction, scope, user.Id, period.Key);
        var reserved = store.Reserved(connection, transaction, scope, user.Id, UnixMs.From(now));
        long? remaining = quota is { } q ? q - used - reserved : null;
        return new LlmBalance(user.Id, period.Key, period.End, quota, used, reserved, remaining,
            LlmCreditSettings.Credits(quota), LlmCreditSettings.Credits(used), LlmCreditSettings.Credits(remaining), source);
    }

    private (long? Tokens, string Source) Quota(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, LlmUser user, LlmCreditSettings config)
    {
        var (exists, tokens) = store.Override(connection, transaction, scope, user.Id);
        return exists ? (tokens, "user override") : (config.QuotaForRole(user.Role), $"role {user.Role}");
    }

    /// <summary>Raises each threshold the user's period usage has reached and that was not yet raised this period.</summary>
    private List<string> RaiseAlerts(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, LlmUser user, LlmCreditSettings config, LlmPeriod period, DateTimeOffset now)
    {
        var raised = new List<string>();
        var (quota, source) = Quota(connection, transaction, scope, user, config);
        if (quota is not { } limit || limit <= 0)
        {
            return raised;
        }

        var used = store.Used(connection, transaction, scope, user.Id, period.Key);
        var percent = (decimal)used * 100 / limit;
        foreach (var (threshold, at) in new[] { (Warning, config.WarningPercent), (Critical, config.CriticalPercent) })
        {
            if (percent < at || !store.MarkAlert(connection, transaction, scope, user.Id, period.Key, threshold, UnixMs.From(now)))
            {
                continue;
            }

            var shown = Math.Round(percent, 1).ToString(CultureInfo.InvariantCulture);
            audit.Append(connection, transaction, scope, new AuditEntry(
                AuditActions.LlmCreditsThresholdCrossed, AuditResources.User, user.Id, AuditOutcome.Success,
                string.Create(CultureInfo.InvariantCulture,
                    $"User {user.Email} has used {shown}% of their {LlmCreditSettings.Credits(limit)} LLM credits for {period.Key} ({threshold} threshold {at}%)."),
                new Dictionary<string, string?>
                {
                    ["user"] = user.Id,
                    ["email"] = user.Email,
                    ["threshold"] = threshold,
                    ["thresholdPercent"] = Number(at),
                    ["percent"] = shown,
                    ["quota"] = LlmCreditSettings.Credits(limit).ToString(CultureInfo.InvariantCulture),
                    ["quotaTokens"] = Number(limit),
                    ["usedTokens"] = Number(used),
                    ["quotaSource"] = source,
                    ["period"] = period.Key,
                    ["recipients"] = string.Join(',', config.AlertRecipients),
                }));
            raised.Add(threshold);
        }

        return raised;
    }

    private LlmReservationRow Open(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string reservationId)
    {
        var reservation = store.Reservation(connection, transaction, scope, reservationId) ?? throw ApiProblemException.NotFound("reservation", reservationId);
        if (reservation.Status != LlmReservationStatus.Pending)
        {
            throw ApiProblemException.Conflict($"Reservation {reservation.Id} is already {reservation.Status.ToLowerInvariant()}.");
        }

        return reservation;
    }

    private LlmUser FindUser(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId) =>
        store.User(connection, transaction, scope, userId) ?? throw ApiProblemException.NotFound("user", userId);

    private static LlmUsageRow NewUsage(TenantScope scope, string userId, string model, long input, long output, LlmPeriod period, DateTimeOffset now, string? correlationId, string? reservationId) => new()
    {
        Id = Ids.New("llu"),
        TenantId = scope.TenantId,
        UserId = userId,
        Model = model,
        InputTokens = input,
        OutputTokens = output,
        TotalTokens = input + output,
        Period = period.Key,
        At = UnixMs.From(now),
        CorrelationId = correlationId,
        ReservationId = reservationId,
    };

    private static Dictionary<string, string?> UsageData(LlmUsageRow usage, long? estimated) => new()
    {
        ["user"] = usage.UserId,
        ["model"] = usage.Model,
        ["inputTokens"] = Number(usage.InputTokens),
        ["outputTokens"] = Number(usage.OutputTokens),
        ["totalTokens"] = Number(usage.TotalTokens),
        ["estimatedTokens"] = estimated is { } e ? Number(e) : null,
        ["period"] = usage.Period,
        ["correlationId"] = usage.CorrelationId,
    };

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static void RequireUser(FieldErrors errors, string? user) =>
        errors.Require(!string.IsNullOrWhiteSpace(user) && user.Length <= 64, "user", "user is required: the id of a user of your tenant (usr_...).");

    private static void RequireModel(FieldErrors errors, string? model) =>
        errors.Require(model is not null && IsModel(model), "model", "model is required: 1-200 printable characters.");

    private static bool IsModel(string model) => model.Length is > 0 and <= 200 && !model.Any(char.IsControl) && model.Trim().Length == model.Length;

    private static void RequireTokens(FieldErrors errors, long? tokens, string field) =>
        errors.Require(tokens is >= 0 and <= MaxTokens, field, $"{field} is required: 0 to {MaxTokens}.");

    private static void RequireCorrelation(FieldErrors errors, string? correlationId, bool required)
    {
        if (correlationId is null)
        {
            errors.Require(!required, "correlationId", "correlationId is required: 1-128 printable ASCII characters, unique per request.");
            return;
        }

        errors.Require(correlationId.Length is > 0 and <= 128 && correlationId.All(c => c is > ' ' and < '\u007f'), "correlationId",
            "correlationId is 1-128 printable ASCII characters without spaces.");
    }
}
