using System.Threading.Channels;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Deployments;

/// <summary>
/// The single writer of job output. Agents' streams hand it chunks and keep reading; it stores whatever has
/// piled up in one transaction (one commit for many chunks), then runs each chunk's follow-up (acknowledge to
/// the agent, wake followers). Work queued behind chunks, such as recording a run's end, runs only after them,
/// so a run is never seen ended before all its output is stored. The queue is bounded: a slow disk slows the
/// agents down through gRPC flow control instead of growing memory.
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

    private readonly Database _database;
    private readonly ILogger<LogIngest> _logger;

    public LogIngest(Database database, ILogger<LogIngest> logger)
    {
        _database = database;
        _logger = logger;
    }

    /// <summary>Queues a chunk; <paramref name="stored"/> runs after it is committed, with whether it was new.</summary>
    public ValueTask AppendAsync(TenantScope scope, string runId, long seq, int stream, long timestampMs, ReadOnlyMemory<byte> data, Action<bool> stored, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Item(scope, runId, seq, stream, timestampMs, data, stored, null), cancellationToken);

    /// <summary>Queues work to run once every chunk queued before it is stored.</summary>
    public ValueTask AfterPendingAsync(Action action, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Item(default, "", 0, 0, 0, default, null, action), cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Item>(MaxBatchItems);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var bytes = 0;
                while (batch.Count < MaxBatchItems && bytes < MaxBatchBytes && reader.TryPeek(out var next))
                {
                    if (next.Then is not null)
                    {
                        if (batch.Count > 0)
                        {
                            break;
                        }

                        reader.TryRead(out _);
                        Run(next.Then);
                        continue;
                    }

                    reader.TryRead(out _);
                    batch.Add(next);
                    bytes += next.Data.Length;
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
        var inserted = new bool[batch.Count];
        try
        {
            using var connection = _database.Open();
            using var transaction = Database.BeginWrite(connection);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                "INSERT OR IGNORE INTO log_chunks (tenant_id, run_id, seq, stream, ts, data) VALUES ($tenant, $run, $seq, $stream, $ts, $data)";
            var tenant = command.Parameters.Add("$tenant", SqliteType.Text);
            var run = command.Parameters.Add("$run", SqliteType.Text);
            var seq = command.Parameters.Add("$seq", SqliteType.Integer);
            var stream = command.Parameters.Add("$stream", SqliteType.Integer);
            var ts = command.Parameters.Add("$ts", SqliteType.Integer);
            var data = command.Parameters.Add("$data", SqliteType.Blob);
            command.Prepare();
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                tenant.Value = item.Scope.TenantId;
                run.Value = item.RunId;
                seq.Value = item.Seq;
                stream.Value = item.Stream;
                ts.Value = item.TimestampMs;
                data.Value = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(item.Data, out var segment)
                    && segment.Offset == 0 && segment.Count == segment.Array!.Length
                        ? segment.Array
                        : item.Data.ToArray();
                inserted[i] = command.ExecuteNonQuery() == 1;
            }

            transaction.Commit();
        }
        catch (SqliteException e)
        {
            // Nothing was acknowledged: the agents keep these chunks and send them again on their next session.
            LogStoreFailed(_logger, e, batch.Count);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            Run(() => batch[i].Stored!(inserted[i]));
        }
    }

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

    private readonly record struct Item(
        TenantScope Scope, string RunId, long Seq, int Stream, long TimestampMs, ReadOnlyMemory<byte> Data, Action<bool>? Stored, Action? Then);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} log chunks failed; they stay unacknowledged")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A step after storing log chunks failed")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception);
}
