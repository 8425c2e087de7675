using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// Which records a query or an export covers. Times are Unix ms, <see cref="From"/> inclusive and <see cref="To"/>
/// exclusive. <see cref="Action"/> ending in <c>*</c> matches every action with that prefix.
/// </summary>
public sealed record AuditFilter(
    long? From = null,
    long? To = null,
    string? Actor = null,
    string? Action = null,
    string? ResourceType = null,
    string? ResourceId = null,
    string? Outcome = null)
{
    private static readonly string[] Periods = ["24h", "7d", "30d", "custom"];

    /// <summary>
    /// Reads <c>period</c> (24h, 7d, 30d or custom), <c>from</c>/<c>to</c> (ISO 8601; with period=custom or alone),
    /// <c>actor</c>, <c>action</c>, <c>resourceType</c>, <c>resourceId</c> and <c>outcome</c>; problems go to <paramref name="errors"/>.
    /// </summary>
    public static AuditFilter Parse(IQueryCollection query, DateTimeOffset now, FieldErrors errors)
    {
        var period = Text(query, "period");
        var from = Time(query, "from", errors);
        var to = Time(query, "to", errors);
        if (period is not null && !Periods.Contains(period, StringComparer.Ordinal))
        {
            errors.Add("period", "period must be one of 24h, 7d, 30d or custom.");
        }
        else if (period is "24h" or "7d" or "30d")
        {
            errors.Require(from is null && to is null, "period", "from and to go with period=custom (or without a period), not with period=" + period + ".");
            from = now - period switch { "24h" => TimeSpan.FromHours(24), "7d" => TimeSpan.FromDays(7), _ => TimeSpan.FromDays(30) };
        }
        else if (period is "custom")
        {
            errors.Require(from is not null || to is not null, "period", "period=custom needs from, to or both.");
        }

        errors.Require(from is null || to is null || from < to, "to", "to must be later than from.");
        var outcome = Text(query, "outcome");
        errors.Require(outcome is null or AuditOutcome.Success or AuditOutcome.Denied or AuditOutcome.Failure, "outcome",
            "outcome must be success, denied or failure.");
        var filter = new AuditFilter(
            from is { } f ? UnixMs.From(f) : null,
            to is { } t ? UnixMs.From(t) : null,
            Text(query, "actor"),
            Text(query, "action"),
            Text(query, "resourceType"),
            Text(query, "resourceId"),
            outcome);
        foreach (var (name, value) in new[] { ("actor", filter.Actor), ("action", filter.Action), ("resourceType", filter.ResourceType), ("resourceId", filter.ResourceId) })
        {
            errors.Require(value is null || value.Length <= 200, name, $"{name} is at most 200 characters.");
        }

        errors.Require(filter.Action is null || filter.Action.IndexOf('*', StringComparison.Ordinal) is -1 || filter.Action.IndexOf('*', StringComparison.Ordinal) == filter.Action.Length - 1,
            "action", "action may only end in '*' (a prefix match), e.g. deployment.*");
        return filter;
    }

    /// <summary>The SQL conditions (after the tenant's) and their parameters.</summary>
    internal string Where(Dapper.DynamicParameters parameters)
    {
        var conditions = new List<string>();
        Add("at >= @from", "from", From);
        Add("at < @to", "to", To);
        Add("actor = @actor", "actor", Actor);
        if (Action is { } action && action.EndsWith('*'))
        {
            var prefix = action[..^1].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
            Add("action LIKE @action ESCAPE '\\'", "action", prefix + "%");
        }
        else
        {
            Add("action = @action", "action", Action);
        }

        Add("resource_type = @resourceType", "resourceType", ResourceType);
        Add("resource_id = @resourceId", "resourceId", ResourceId);
        Add("outcome = @outcome", "outcome", Outcome);
        return string.Concat(conditions.Select(c => " AND " + c));

        void Add(string condition, string name, object? value)
        {
            if (value is not null)
            {
                conditions.Add(condition);
                parameters.Add(name, value);
            }
        }
    }

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.ToString() is { Length: > 0 } text ? text : null;

    private static DateTimeOffset? Time(IQueryCollection query, string name, FieldErrors errors)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors.Add(name, $"{name} must be an ISO 8601 time, e.g. 2025-06-01T12:00:00Z.");
        return null;
    }
}
