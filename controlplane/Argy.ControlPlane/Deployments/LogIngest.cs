using System.Threading.Channels;
using Argy.ControlPlane.Tenancy;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Deployments;

/// <summary>
/// The single writer of what agents report: job output, and the runs' starts and ends. Agents' streams hand it
/// their writes and keep reading; it stores whatever has piled up in one transaction (one commit for many
/// chunks and state changes, from every agent: group commit), then runs each write's follow-up (acknowledge to
/// the agent, tell it to start, wake followers). Writes keep their queue order inside the transaction, so a run
/// is never seen ended before all its output is stored. Each state change runs in a savepoint of its own: one
/// that fails (its audit record cannot be written, say) is undone alone and the rest of the batch commits. The
/// queue is bounded: a slow disk slows the agents down through gRPC flow control instead of growing memory.
/// </summary>
public sealed partial class LogIngest : BackgroundService
{
    private const int MaxBatchItems = 256;
    private const int MaxBatchBytes = 8 * 1024 * 1024;

    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly LogStore _logs;
    private readonly ILogger<LogIngest> _logger;

    public LogIngest(LogStore logs, ILogger<LogIngest> logger)
    {
        _logs = logs;
        _logger = logger;
    }

    /// <summary>Queues a chunk; <paramref name="stored"/> runs after it is committed, with whether it was new.</summary>
    public ValueTask AppendAsync(TenantScope scope, string runId, long seq, int stream, long timestampMs, ReadOnlyMemory<byte> data, Action<bool> stored, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Item(new NewLogChunk(scope, runId, seq, stream, timestampMs, data), stored, null), cancellationToken);

    /// <summary>
    /// Queues a state change to run in the next batch's transaction, after every chunk queued before it.
    /// <paramref name="done"/> runs after the commit with what <paramref name="write"/> returned; should the change
    /// or the commit fail, <paramref name="failed"/> runs instead.
    /// </summary>
    public ValueTask WriteAsync(Func<SqliteConnection, SqliteTransaction, bool> write, Action<bool> done, Action<Exception> failed, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Item(default, null, new StateWrite(write, done, failed)), cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Item>(MaxBatchItems);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var bytes = 0;
                while (batch.Count < MaxBatchItems && bytes < MaxBatchBytes && reader.TryRead(out var next))
                {
                    batch.Add(next);
                    bytes += next.Write is null ? next.Chunk.Data.Length : 0;
                }

                if (batch.Count > 0)
                {
                    Store(batch);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Store(List<Item> batch)
    {
        LogStore.BatchResult result;
        try
        {
            result = _logs.AppendBatch(OrderedWrites(batch));
        }
        catch (SqliteException e)
        {
            // Nothing was acknowledged: the agents keep these chunks and reports and send them again on their next session.
            LogStoreFailed(_logger, e, batch.Count);
            foreach (var item in batch)
            {
                if (item.Write is { } write)
                {
                    Run(() => write.Failed(e));
                }
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var item = batch[i];
            if (item.Write is { } write)
            {
                var outcome = result.Writes[i];
                if (outcome.Error is { } error)
                {
                    LogWriteFailed(_logger, error);
                    Run(() => write.Failed(error));
                }
                else
                {
                    Run(() => write.Done(outcome.Changed));
                }
            }
            else
            {
                var inserted = result.Inserted[i];
                Run(() => item.Stored!(inserted));
            }
        }
    }

    private static IReadOnlyList<LogStore.BatchWrite> OrderedWrites(List<Item> batch) =>
        [.. batch.Select(item => item.Write is { } write ? new LogStore.BatchWrite(default, write.Change) : new LogStore.BatchWrite(item.Chunk, null))];

    private void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            LogFollowUpFailed(_logger, e);
        }
    }

    private readonly record struct Item(NewLogChunk Chunk, Action<bool>? Stored, StateWrite? Write);

    private sealed record StateWrite(Func<SqliteConnection, SqliteTransaction, bool> Change, Action<bool> Done, Action<Exception> Failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} log chunks failed; they stay unacknowledged")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A run's state change reported by its agent could not be stored; it was undone alone")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A step after storing log chunks failed")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception);
}
