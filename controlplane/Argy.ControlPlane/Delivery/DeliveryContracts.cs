using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Delivery;

/// <param name="Kind">siem, webhook or email.</param>
/// <param name="Format">json (default) or cef; cef only for siem.</param>
/// <param name="Events">Filter entries; omitted: every event for siem, the notification events for webhook and email; [] is every event.</param>
/// <param name="Replay">true: deliver the tenant's whole audit trail from its start; default: only events after the sink's creation.</param>
public sealed record CreateSinkRequest(
    string? Kind, string? Name, string? Url, string? Format, IReadOnlyList<string>? Events, IReadOnlyList<string>? Recipients, bool? Enabled, bool? Replay);

/// <summary>Fields left null are not changed; events [] means every event.</summary>
public sealed record UpdateSinkRequest(string? Name, string? Url, string? Format, IReadOnlyList<string>? Events, IReadOnlyList<string>? Recipients, bool? Enabled);

public sealed record SinkResponse(
    string Id,
    string Name,
    string Kind,
    string Format,
    string? Url,
    IReadOnlyList<string> Events,
    IReadOnlyList<string> Recipients,
    bool Enabled,
    string? KeyId,
    long CursorSeq,
    long Pending,
    DateTimeOffset? OldestPendingAt,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    DateTimeOffset? LastDeliveredAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static SinkResponse From(DeliverySinkRow row, SinkLag? lag = null) => new(
        row.Id, row.Name, row.Kind, row.Format, row.Url, row.EventList, row.RecipientList, row.Enabled, row.KeyId, row.CursorSeq, lag?.Count ?? 0, UnixMs.To(lag?.OldestAt),
        row.Attempts, UnixMs.To(row.NextAttemptAt), row.LastError, UnixMs.To(row.LastDeliveredAt), UnixMs.To(row.CreatedAt), UnixMs.To(row.UpdatedAt));
}

/// <summary>A new sink with its signing secret, shown this once.</summary>
public sealed record CreatedSinkResponse(SinkResponse Sink, string? Secret);

/// <summary>The outcome of a test delivery: whether the receiver took it and what it answered.</summary>
public sealed record SinkTestResponse(string EventId, bool Delivered, int? Status, string? Error);
