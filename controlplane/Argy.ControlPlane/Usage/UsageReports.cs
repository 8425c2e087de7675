using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Llm;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Usage;

/// <summary>
/// Usage reports over a window of time: LLM tokens by user or model, deployments by product, and a daily trend in
/// the tenant's billing time zone. LLM reports read the rollups kept next to the usage rows (whole UTC days per user
/// and model, quarter hours per tenant) plus the rows of the partial days at the window's edges; deployment reports
/// read one covering index range (<c>ix_deployments_usage</c>). A year of data stays a small read.
/// </summary>
public sealed class UsageReports(Database database, LlmCreditService credits, TimeProvider time)
{
    public const int MaxTrendDays = 366;
    private const long QuarterHourMs = LlmCreditStore.QuarterHourMs;

    public LlmUsageReport Llm(TenantScope scope, string? by, string? from, string? to)
    {
        by ??= "user";
        var errors = new FieldErrors();
        errors.Require(by is "user" or "model", "by", "by is 'user' or 'model'.");
        var (start, end) = Window(scope, errors, from, to);
        errors.ThrowIfAny();

        // Whole UTC days inside the window come from the daily rollup; the partial days at its edges from the rows.
        var (startMs, endMs) = (UnixMs.From(start), UnixMs.From(end));
        var firstDay = (startMs + LlmCreditStore.DayMs - 1) / LlmCreditStore.DayMs;
        var endDay = endMs / LlmCreditStore.DayMs;
        if (firstDay >= endDay)
        {
            (firstDay, endDay) = (0, 0);
        }

        var window = new
        {
            tenant = scope.TenantId, startMs, endMs, firstDay, endDay,
            headEnd = endDay > firstDay ? firstDay * LlmCreditStore.DayMs : endMs,
            tailStart = endDay > firstDay ? endDay * LlmCreditStore.DayMs : endMs,
        };
        var column = by == "user" ? "user_id" : "model";
        using var connection = database.Open();
        var rows = connection.Query<(string Key, long Requests, long InputTokens, long OutputTokens, long TotalTokens)>(
            $"""
            SELECT key, SUM(requests), SUM(input_tokens), SUM(output_tokens), SUM(total_tokens) FROM (
                SELECT {column} AS key, requests, input_tokens, output_tokens, total_tokens FROM llm_usage_daily
                 WHERE tenant_id = @tenant AND day >= @firstDay AND day < @endDay
                UNION ALL
                SELECT {column}, 1, input_tokens, output_tokens, total_tokens FROM llm_usage
                 WHERE tenant_id = @tenant AND at >= @startMs AND at < @headEnd
                UNION ALL
                SELECT {column}, 1, input_tokens, output_tokens, total_tokens FROM llm_usage
                 WHERE tenant_id = @tenant AND at >= @tailStart AND at < @endMs)
             GROUP BY key
            """,
            window).ToList();
        var emails = by == "user"
            ? connection.Query<(string Id, string Email)>("SELECT id, email FROM users WHERE tenant_id = @tenant", new { tenant = scope.TenantId })
                .ToDictionary(u => u.Id, u => u.Email, StringComparer.Ordinal)
            : [];
        var items = rows
            .Select(r => new LlmUsageLine(r.Key, emails.GetValueOrDefault(r.Key), r.Requests, r.InputTokens, r.OutputTokens, r.TotalTokens, LlmCreditSettings.Credits(r.TotalTokens)))
            .OrderByDescending(l => l.TotalTokens).ThenBy(l => l.Key, StringComparer.Ordinal)
            .ToList();
        var total = new LlmUsageLine("total", null, items.Sum(i => i.Requests), items.Sum(i => i.InputTokens), items.Sum(i => i.OutputTokens),
            items.Sum(i => i.TotalTokens), LlmCreditSettings.Credits(items.Sum(i => i.TotalTokens)));
        return new LlmUsageReport(by, start, end, items, total);
    }

    public DeploymentUsageReport Deployments(TenantScope scope, string? by, string? from, string? to)
    {
        by ??= "product";
        var errors = new FieldErrors();
        errors.Require(by is "product", "by", "by is 'product'.");
        var (start, end) = Window(scope, errors, from, to);
        errors.ThrowIfAny();

        using var connection = database.Open();
        var items = connection.Query<DeploymentUsageLine>(
            """
            SELECT product,
                   COUNT(*) AS count,
                   SUM(status = 'Succeeded') AS succeeded,
                   SUM(status IN ('Failed', 'TimedOut')) AS failed,
                   SUM(status = 'Cancelled') AS cancelled,
                   SUM(status IN ('Queued', 'Assigned', 'Running')) AS active
              FROM deployments INDEXED BY ix_deployments_usage
             WHERE tenant_id = @tenant AND created_at >= @start AND created_at < @end
             GROUP BY product
             ORDER BY count DESC, product
            """,
            new { tenant = scope.TenantId, start = UnixMs.From(start), end = UnixMs.From(end) }).ToList();
        var total = new DeploymentUsageLine("total", items.Sum(i => i.Count), items.Sum(i => i.Succeeded), items.Sum(i => i.Failed),
            items.Sum(i => i.Cancelled), items.Sum(i => i.Active));
        return new DeploymentUsageReport(by, start, end, items, total);
    }

    /// <summary>
    /// The last <paramref name="days"/> days (today included) in the tenant's time zone, every day present.
    /// Usage is kept per quarter hour (every time zone offset is a whole number of quarter hours) and the quarter hours
    /// are placed in their local days; deployments are counted per local day on the index. Both stay right across DST changes.
    /// </summary>
    public UsageTrend Trend(TenantScope scope, int? days)
    {
        var count = days ?? 30;
        var errors = new FieldErrors();
        errors.Require(count is >= 1 and <= MaxTrendDays, "days", $"days is 1 to {MaxTrendDays}.");
        errors.ThrowIfAny();

        var config = credits.Settings(scope);
        var zone = config.Zone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
        var first = today.AddDays(1 - count);
        var bounds = new long[count + 1];
        for (var i = 0; i <= count; i++)
        {
            bounds[i] = UnixMs.From(LlmPeriod.StartOfLocal(first.AddDays(i).ToDateTime(TimeOnly.MinValue), zone));
        }

        var deployments = new long[count];
        var requests = new long[count];
        var tokens = new long[count];
        var window = new { tenant = scope.TenantId, start = bounds[0], end = bounds[count], quarter = QuarterHourMs };
        using var connection = database.Open();
        foreach (var row in connection.Query<(long Quarter, long Requests, long Tokens)>(
                     """
                     SELECT quarter, requests, total_tokens FROM llm_usage_quarters
                      WHERE tenant_id = @tenant AND quarter >= @start / @quarter AND quarter < @end / @quarter
                     """, window))
        {
            var day = DayOf(bounds, row.Quarter * QuarterHourMs);
            requests[day] += row.Requests;
            tokens[day] += row.Tokens;
        }

        // One index range count per local day; the day bounds are numbers computed here, not caller input.
        var dayRows = string.Join(", ", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"({i}, {bounds[i]}, {bounds[i + 1]})")));
        foreach (var row in connection.Query<(long Day, long Count)>(
                     $"""
                     WITH days (day, start, finish) AS (VALUES {dayRows})
                     SELECT day, (SELECT COUNT(*) FROM deployments INDEXED BY ix_deployments_usage
                                   WHERE tenant_id = @tenant AND created_at >= start AND created_at < finish)
                       FROM days
                     """, window))
        {
            deployments[row.Day] = row.Count;
        }

        var items = Enumerable.Range(0, count)
            .Select(i => new TrendDay(first.AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), deployments[i], requests[i], tokens[i], LlmCreditSettings.Credits(tokens[i])))
            .ToList();
        return new UsageTrend(config.TimeZone, count, UnixMs.To(bounds[0]), UnixMs.To(bounds[count]), items);
    }

    /// <summary>The day whose [start, next start) holds the instant; a quarter hour that starts before the window belongs to day 0.</summary>
    private static int DayOf(long[] bounds, long at)
    {
        var index = Array.BinarySearch(bounds, at);
        var day = index >= 0 ? index : ~index - 1;
        return Math.Clamp(day, 0, bounds.Length - 2);
    }

    /// <summary>From and to: ISO 8601 instants, or dates (midnight in the tenant's time zone). Defaults to the last 30 days.</summary>
    private (DateTimeOffset Start, DateTimeOffset End) Window(TenantScope scope, FieldErrors errors, string? from, string? to)
    {
        var zone = credits.Settings(scope).Zone;
        var end = to is null ? time.GetUtcNow() : Parse(errors, "to", to, zone);
        var start = from is null ? end.AddDays(-30) : Parse(errors, "from", from, zone);
        errors.Require(start < end, "from", "from must be before to.");
        errors.Require(end - start <= TimeSpan.FromDays(3 * 366), "from", "The window is at most three years.");
        return (start, end);
    }

    private static DateTimeOffset Parse(FieldErrors errors, string field, string text, TimeZoneInfo zone)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return LlmPeriod.StartOfLocal(date.ToDateTime(TimeOnly.MinValue), zone);
        }

        if (text.Length > 10 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        errors.Add(field, $"{field} is a date (2026-11-01, midnight in the tenant's time zone) or an ISO 8601 time (2026-11-01T12:00:00Z).");
        return DateTimeOffset.UnixEpoch;
    }
}
