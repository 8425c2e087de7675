namespace Argy.ControlPlane.Audit;

/// <summary>
/// Where a tenant's chain resumes after retention purged its oldest records: the seq and hash of the last purged
/// record. The first remaining record's <c>prev_hash</c> must equal <see cref="Hash"/>.
/// </summary>
public sealed class AuditAnchor
{
    /// <summary>The tenant, or '' for the records of no tenant.</summary>
    public string TenantId { get; init; } = "";
    public long Seq { get; init; }
    public byte[] Hash { get; init; } = [];
    /// <summary>Every record of the tenant written before this time (Unix ms) has been purged.</summary>
    public long PurgedThroughAt { get; init; }
    /// <summary>When the anchor was last moved (Unix ms).</summary>
    public long At { get; init; }
}
