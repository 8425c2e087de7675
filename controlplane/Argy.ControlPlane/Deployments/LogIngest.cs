using System.Threading.Channels;
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

    /// <summary>Queues work to run once every chunk queued before it is stored.</summary>
    public ValueTask AfterPendingAsync(Action action, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Item(default, null, action), cancellationToken);

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
                    bytes += next.Chunk.Data.Length;
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
        bool[] inserted;
        try
        {
            inserted = _logs.AppendBatch([.. batch.Select(item => item.Chunk)]);
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

    private readonly record struct Item(NewLogChunk Chunk, Action<bool>? Stored, Action? Then);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} log chunks failed; they stay unacknowledged")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A step after storing log chunks failed")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception);
}
