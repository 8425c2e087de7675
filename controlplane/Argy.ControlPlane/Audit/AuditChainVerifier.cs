using Argy.ControlPlane.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Audit;

/// <summary>Why a record breaks its tenant's chain.</summary>
public static class AuditBreak
{
    /// <summary>The record's stored hash is not the hash of its fields: the record was edited.</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>The record does not follow the one before it: a record was deleted, inserted or moved.</summary>
    public const string PrevHashMismatch = "prev_hash_mismatch";

    /// <summary>The record has no hash although the chain had begun: it was inserted outside the trail, or its hash removed.</summary>
    public const string Unchained = "unchained";

    public static string Describe(string reason) => reason switch
    {
        HashMismatch => "its hash does not match its fields (the record was edited)",
        PrevHashMismatch => "it does not follow the record before it (a record was deleted, inserted or reordered)",
        Unchained => "it carries no hash although the chain had begun (inserted outside the audit trail, or its hash removed)",
        _ => reason,
    };
}

public sealed record AuditBrokenRecord(long Seq, string Reason, string Detail);

/// <param name="Ok">True when every chained record verified.</param>
/// <param name="Checked">Chained records verified before the first break (or in all).</param>
/// <param name="Unchained">Records from before the chain began (written before hashing existed); they are not covered.</param>
/// <param name="AnchorSeq">The last purged record the chain resumes after, if retention purged any.</param>
/// <param name="FirstBroken">The first record that does not verify.</param>
public sealed record AuditVerification(bool Ok, long Checked, long Unchained, long? AnchorSeq, AuditBrokenRecord? FirstBroken);

/// <summary>
/// Walks one tenant's records in seq order from its anchor (or from the genesis hash), recomputing each record's
/// hash with <see cref="AuditChain.Compute"/> and checking that each record's <c>prev_hash</c> is the hash of the
/// record before it. Reads the rows as a stream, so a chain of any length verifies in constant memory.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>The anchor-table key of a tenant; the records of no tenant chain under ''.</summary>
    public static string AnchorKey(string? tenantId) => tenantId ?? "";

    public static AuditVerification Verify(SqliteConnection connection, string? tenantId, SqliteTransaction? transaction = null, long? throughSeq = null)
    {
        var anchor = connection.QuerySingleOrDefault<AuditAnchor>(
            "SELECT * FROM audit_anchors WHERE tenant_id = @key", new { key = AnchorKey(tenantId) }, transaction);
        var expected = anchor?.Hash ?? AuditChain.Genesis;
        var started = anchor is not null;
        long verified = 0, unchained = 0;

        var records = connection.Query<AuditRecord>(
            """
            SELECT * FROM audit_events
             WHERE tenant_id IS @tenantId AND seq > @after AND seq <= @through
             ORDER BY seq
            """,
            new { tenantId, after = anchor?.Seq ?? 0, through = throughSeq ?? long.MaxValue }, transaction, buffered: false);
        foreach (var record in records)
        {
            if (record.Hash is null)
            {
                if (started)
                {
                    return Broken(record.Seq, AuditBreak.Unchained);
                }

                unchained++;
                continue;
            }

            started = true;
            if (record.PrevHash is null || !record.PrevHash.AsSpan().SequenceEqual(expected))
            {
                return Broken(record.Seq, AuditBreak.PrevHashMismatch);
            }

            if (!AuditChain.Compute(record, record.PrevHash).AsSpan().SequenceEqual(record.Hash))
            {
                return Broken(record.Seq, AuditBreak.HashMismatch);
            }

            expected = record.Hash;
            verified++;
        }

        return new AuditVerification(true, verified, unchained, anchor?.Seq, null);

        AuditVerification Broken(long seq, string reason) =>
            new(false, verified, unchained, anchor?.Seq, new AuditBrokenRecord(seq, reason, AuditBreak.Describe(reason)));
    }

    public static AuditVerification Verify(Database database, string? tenantId)
    {
        using var connection = database.Open();
        // One read transaction: a consistent snapshot while appends continue.
        using var transaction = connection.BeginTransaction(deferred: true);
        return Verify(connection, tenantId, transaction);
    }

    /// <summary>Every chain in the file: one per tenant, plus the records of no tenant.</summary>
    public static IReadOnlyList<(string? TenantId, AuditVerification Result)> VerifyAll(Database database)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var tenants = connection.Query<string?>(
            """
            SELECT tenant_id FROM audit_events GROUP BY tenant_id
            UNION SELECT NULLIF(tenant_id, '') FROM audit_anchors
            """, transaction: transaction).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        return tenants.Select(t => (t, Verify(connection, t, transaction))).ToList();
    }
}
