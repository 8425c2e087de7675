using System.Text;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Argy.Agent.Jobs;

/// <summary>
/// Turns one run's output into LogChunks. stdout and stderr share one sequence; a number is taken and the chunk
/// queued under the same lock, so sequence order is queue order and the numbering has no gaps.
/// </summary>
internal sealed class JobLogWriter(string runId, IAgentMessageSink sink, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _sequence;

    public long LastSequence => Interlocked.Read(ref _sequence);

    public async Task WriteAsync(OutputStream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
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
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A line from the agent itself (why a job could not start, why it was stopped).</summary>
    public Task WriteSystemAsync(string line, CancellationToken cancellationToken) =>
        WriteAsync(OutputStream.System, Encoding.UTF8.GetBytes($"argy-agent: {line}\n"), cancellationToken);

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
}
