using Argy.ControlPlane.Audit;

namespace Argy.ControlPlane.Security;

/// <summary>Moves queued refusals into the audit trail, many per transaction, chained like every record; drains the queue on shutdown.</summary>
public sealed partial class AuditWriter(AuditLog audit, AuditStore store, ILogger<AuditWriter> logger) : BackgroundService
{
    private const int MaxBatch = 256;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        audit.Complete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditRecord>(MaxBatch);
        try
        {
            // Not the stopping token: on shutdown the queue is completed and read to its end instead.
            while (await audit.Pending.WaitToReadAsync(CancellationToken.None))
            {
                while (batch.Count < MaxBatch && audit.Pending.TryRead(out var item))
                {
                    batch.Add(item);
                }

                Write(batch);
                batch.Clear();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
    }

    private void Write(List<AuditRecord> batch)
    {
        try
        {
            store.Append(batch);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or AuditUnavailableException)
        {
            // Every event was logged when recorded; the table misses these.
            LogBatchLost(logger, e, batch.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Count} audit event(s); they are in the log")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The audit writer stopped")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
