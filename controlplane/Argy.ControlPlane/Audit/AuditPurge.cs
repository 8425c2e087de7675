using Argy.ControlPlane.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// Deletes records older than the retention, one tenant at a time, each tenant in one write transaction that also
/// moves the tenant's anchor to the last purged record, so the remaining records still verify. A chain that does
/// not verify up to the purge point is left alone (purging would erase the evidence) and logged.
/// </summary>
public sealed partial class AuditPurge(Database database, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditPurge> logger)
{
    /// <summary>Purges every tenant's expired records; returns how many were deleted.</summary>
    public long Run(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var cutoff = UnixMs.From(now - TimeSpan.FromDays(options.Value.RetentionDays));
        List<string?> tenants;
        using (var connection = database.Open())
        {
            tenants = connection.Query<string?>(
                "SELECT DISTINCT tenant_id FROM audit_events WHERE at < @cutoff", new { cutoff }).AsList();
        }

        long purged = 0;
        foreach (var tenantId in tenants)
        {
            ct.ThrowIfCancellationRequested();
            purged += PurgeTenant(tenantId, cutoff, UnixMs.From(now));
        }

        return purged;
    }

    private long PurgeTenant(string? tenantId, long cutoff, long now)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        // Only a prefix of the chain can go: stop at the first record young enough to keep, even if an older
        // timestamp follows it (a clock step back).
        var through = connection.ExecuteScalar<long?>(
            """
            SELECT MAX(seq) FROM audit_events
             WHERE tenant_id IS @tenantId
               AND seq < COALESCE((SELECT MIN(seq) FROM audit_events WHERE tenant_id IS @tenantId AND at >= @cutoff), 9223372036854775807)
            """,
            new { tenantId, cutoff }, transaction);
        if (through is not { } last)
        {
            return 0;
        }

        var verification = AuditChainVerifier.Verify(connection, tenantId, transaction, throughSeq: last);
        if (!verification.Ok)
        {
            LogBrokenChain(logger, tenantId ?? "-", verification.FirstBroken!.Seq, verification.FirstBroken.Reason);
            return 0;
        }

        var lastChained = connection.QuerySingleOrDefault<AuditRecord>(
            "SELECT seq, hash FROM audit_events WHERE tenant_id IS @tenantId AND seq <= @last AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
            new { tenantId, last }, transaction);
        var deleted = connection.Execute(
            "DELETE FROM audit_events WHERE tenant_id IS @tenantId AND seq <= @last", new { tenantId, last }, transaction);
        if (lastChained is not null)
        {
            connection.Execute(
                """
                INSERT INTO audit_anchors (tenant_id, seq, hash, purged_through_at, at) VALUES (@key, @Seq, @Hash, @cutoff, @now)
                ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                    purged_through_at = excluded.purged_through_at, at = excluded.at
                """,
                new { key = AuditChainVerifier.AnchorKey(tenantId), lastChained.Seq, lastChained.Hash, cutoff, now }, transaction);
        }

        transaction.Commit();
        LogPurged(logger, deleted, tenantId ?? "-", last);
        return deleted;
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Audit retention purged {Count} record(s) of tenant {TenantId} through seq {Seq}")]
    private static partial void LogPurged(ILogger logger, long count, string tenantId, long seq);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Error,
        Message = "Audit retention skipped tenant {TenantId}: its chain is broken at record {Seq} ({Reason}); run 'argy audit verify' and investigate before the records can be purged")]
    private static partial void LogBrokenChain(ILogger logger, string tenantId, long seq, string reason);
}

/// <summary>Runs <see cref="AuditPurge"/> at start and then every <see cref="AuditOptions.PurgeInterval"/>.</summary>
public sealed partial class AuditRetentionService(AuditPurge purge, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditRetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        do
        {
            try
            {
                purge.Run(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9103, Level = LogLevel.Error, Message = "Audit retention purge failed; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
