using System.Threading.Channels;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Security;

/// <summary>
/// Where refusals that change nothing are recorded (a failed sign-in, a refused credential, a denied address, a
/// rate limit): each is logged at once and queued for the audit trail, which <see cref="AuditWriter"/> appends in
/// batches so a flood of bad requests costs no synchronous write each. Who, from where and in which request is
/// captured when the refusal happens. Changes are never recorded here: they append through
/// <see cref="AuditTrail"/> in their own write transaction. If the queue is ever full, the refusal is still in the
/// log and the loss is counted and logged.
/// </summary>
public sealed partial class AuditLog(AuditTrail trail, IHttpContextAccessor http, ILogger<AuditLog> logger)
{
    private const int Capacity = 10_000;

    private readonly Channel<AuditRecord> _queue = Channel.CreateBounded<AuditRecord>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _dropped;

    internal ChannelReader<AuditRecord> Pending => _queue.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a refusal (outcome <see cref="AuditOutcome.Denied"/> unless the entry says otherwise).</summary>
    public void Refused(TenantScope? scope, AuditEntry entry, AuditActor? actor = null, AuditSource? source = null) =>
        Refused(scope?.TenantId, entry, actor, source);

    /// <summary>Queues a refusal for a tenant id that may be unknown (null): an unknown agent, a device not yet approved.</summary>
    public void Refused(string? tenantId, AuditEntry entry, AuditActor? actor = null, AuditSource? source = null)
    {
        var context = http.HttpContext;
        if (entry.Outcome == AuditOutcome.Success)
        {
            entry = entry with { Outcome = AuditOutcome.Denied };
        }

        var record = trail.Draft(tenantId, entry, actor ?? AuditTrail.ActorOf(context), source ?? AuditSource.Of(context));
        LogDenied(logger, record.Action, record.Actor, record.TenantId ?? "-", record.ResourceId ?? "-", record.SourceIp ?? "-", record.Detail);
        if (!_queue.Writer.TryWrite(record))
        {
            LogDropped(logger, Interlocked.Increment(ref _dropped), record.Action);
        }
    }

    internal void Complete() => _queue.Writer.TryComplete();

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
        Message = "Audit {Action} denied: actor {Actor}, tenant {TenantId}, resource {ResourceId}, from {SourceIp}. {Detail}")]
    private static partial void LogDenied(ILogger logger, string action, string actor, string tenantId, string resourceId, string sourceIp, string detail);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Audit queue full: {Dropped} event(s) kept in the log only, the latest {Action}")]
    private static partial void LogDropped(ILogger logger, long dropped, string action);
}
