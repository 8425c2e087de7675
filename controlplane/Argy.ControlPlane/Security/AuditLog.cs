using System.Threading.Channels;

namespace Argy.ControlPlane.Security;

/// <summary>
/// Where security decisions are recorded: each event is logged at once and queued for the audit table, which
/// <see cref="AuditWriter"/> fills in batches so a flood of rejected requests costs no synchronous write each.
/// If the queue is ever full, the event is still in the log and the loss is counted and logged.
/// </summary>
public sealed partial class AuditLog(TimeProvider time, ILogger<AuditLog> logger)
{
    private const int Capacity = 10_000;

    private readonly Channel<(long At, AuditEvent Event)> _queue = Channel.CreateBounded<(long, AuditEvent)>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _dropped;

    internal ChannelReader<(long At, AuditEvent Event)> Pending => _queue.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(AuditEvent audit)
    {
        if (audit.Outcome == AuditOutcomes.Success)
        {
            LogAllowed(logger, audit.Action, audit.Actor, audit.TenantId ?? "-", audit.Subject ?? "-", audit.SourceIp ?? "-", audit.Detail);
        }
        else
        {
            LogDenied(logger, audit.Action, audit.Actor, audit.TenantId ?? "-", audit.Subject ?? "-", audit.SourceIp ?? "-", audit.Detail);
        }

        if (!_queue.Writer.TryWrite((time.GetUtcNow().ToUnixTimeMilliseconds(), audit)))
        {
            LogDropped(logger, Interlocked.Increment(ref _dropped), audit.Action);
        }
    }

    internal void Complete() => _queue.Writer.TryComplete();

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information,
        Message = "Audit {Action} allowed: actor {Actor}, tenant {TenantId}, subject {Subject}, from {SourceIp}. {Detail}")]
    private static partial void LogAllowed(ILogger logger, string action, string actor, string tenantId, string subject, string sourceIp, string detail);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
        Message = "Audit {Action} denied: actor {Actor}, tenant {TenantId}, subject {Subject}, from {SourceIp}. {Detail}")]
    private static partial void LogDenied(ILogger logger, string action, string actor, string tenantId, string subject, string sourceIp, string detail);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Audit queue full: {Dropped} event(s) kept in the log only, the latest {Action}")]
    private static partial void LogDropped(ILogger logger, long dropped, string action);
}
