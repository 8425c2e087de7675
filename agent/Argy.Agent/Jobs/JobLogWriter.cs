using System.Globalization;
using System.Text;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Argy.Agent.Jobs;

/// <summary>
/// Turns one run's output into LogChunks. stdout and stderr share one sequence; a number is taken and the chunk
/// queued under the same lock, so sequence order is queue order and the numbering has no gaps. The job's own
/// output stops at <paramref name="maxOutputBytes"/>, marked by one line on the system stream.
/// </summary>
internal sealed class JobLogWriter(string runId, IAgentMessageSink sink, TimeProvider time, long maxOutputBytes = long.MaxValue) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _sequence;
    private long _outputBytes;
    private bool _truncated;

    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>The job printed more than it may; what came after the limit was dropped.</summary>
    public bool Truncated => Volatile.Read(ref _truncated);

    public async Task WriteAsync(OutputStream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (stream == OutputStream.System)
            {
                await SendAsync(stream, data, cancellationToken);
                return;
            }

            if (_truncated)
            {
                return;
            }

            var room = maxOutputBytes - _outputBytes;
            if (data.Length <= room)
            {
                _outputBytes += data.Length;
                await SendAsync(stream, data, cancellationToken);
                return;
            }

            // The pipes keep being read (and dropped), so the job is not blocked by its own verbosity.
            await SendAsync(stream, data[..(int)room], cancellationToken);
            _outputBytes = maxOutputBytes;
            Volatile.Write(ref _truncated, true);
            await SendAsync(OutputStream.System, SystemLine(TruncationNotice(maxOutputBytes)), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A line from the agent itself (why a job could not start, why it was stopped).</summary>
    public Task WriteSystemAsync(string line, CancellationToken cancellationToken) =>
        WriteAsync(OutputStream.System, SystemLine(line), cancellationToken);

    public static string TruncationNotice(long limit) =>
        string.Create(CultureInfo.InvariantCulture,
            $"output truncated: this run printed more than {Size(limit)} (Agent:MaxJobLogBytes); the rest of its output is discarded, the job keeps running");

    public void Dispose() => _gate.Dispose();

    /// <summary>Queues JobFinished after every chunk of the run, with the run's last sequence number.</summary>
    public async Task FinishAsync(JobFinished finished, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            finished.RunId = runId;
            finished.LastSequence = _sequence;
            sink.Send(new AgentMessage { JobFinished = finished });
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SendAsync(OutputStream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        var maxChunk = Math.Max(1, sink.MaxLogChunkBytes);
        for (var offset = 0; offset < data.Length; offset += maxChunk)
        {
            var piece = data.Slice(offset, Math.Min(maxChunk, data.Length - offset));
            var message = new AgentMessage
            {
                LogChunk = new LogChunk
                {
                    RunId = runId,
                    Sequence = _sequence + 1,
                    Stream = stream,
                    Data = ByteString.CopyFrom(piece.Span),
                    Timestamp = timestamp,
                },
            };
            await sink.SendLogAsync(message, cancellationToken);
            Interlocked.Increment(ref _sequence);
        }
    }

    private static byte[] SystemLine(string line) => Encoding.UTF8.GetBytes($"argy-agent: {line}\n");

    private static string Size(long bytes) => bytes switch
    {
        _ when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        _ when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
