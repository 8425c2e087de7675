using System.Threading.Channels;
using Argy.Protocol.V1;

namespace Argy.Agent.Outbound;

/// <summary>
/// The one queue every message to the control plane goes through, drained by a single writer per session
/// (a gRPC request stream must not be written concurrently). It outlives sessions, so output of jobs that keep
/// running across a reconnect waits here. A message leaves the queue only after it was written, so a write that
/// fails is retried on the next session.
/// </summary>
internal sealed class OutboundQueue : IAgentMessageSink, IDisposable
{
    public const int DefaultMaxLogChunkBytes = 64 * 1024;
    public const int DefaultLogChunkBudget = 256;

    // Not SingleReader: that variant supports neither Count nor peeking.
    private readonly Channel<AgentMessage> _channel = Channel.CreateUnbounded<AgentMessage>();

    // Log chunks queued or written but not yet acknowledged: the bound on the agent's memory for job output. A
    // chunk takes budget when queued and gives it back when the control plane acknowledges it (see
    // UnacknowledgedMessages). Control messages bypass it so that only job output is throttled and ordering
    // stays that of the channel.
    private readonly SemaphoreSlim _logBudget;
    private int _heartbeatQueued;
    private int _budgetDebt;
    private int _pendingResults;
    private int _maxLogChunkBytes = DefaultMaxLogChunkBytes;

    public OutboundQueue(int logChunkBudget = DefaultLogChunkBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(logChunkBudget, 1);
        _logBudget = new SemaphoreSlim(logChunkBudget, int.MaxValue);
    }

    public int MaxLogChunkBytes => Volatile.Read(ref _maxLogChunkBytes);

    public int Count => _channel.Reader.Count;

    /// <summary>Job messages (acceptances, output, results) are queued; heartbeats and Draining do not count.</summary>
    public bool HasPendingResults => Volatile.Read(ref _pendingResults) > 0;

    /// <summary>True once <see cref="Complete"/> was called and everything queued was written.</summary>
    public bool IsDrained => _channel.Reader.Completion.IsCompleted;

    public void SetMaxLogChunkBytes(int bytes) =>
        Volatile.Write(ref _maxLogChunkBytes, bytes > 0 ? Math.Min(bytes, DefaultMaxLogChunkBytes) : DefaultMaxLogChunkBytes);

    public async ValueTask SendLogAsync(AgentMessage message, CancellationToken cancellationToken)
    {
        await _logBudget.WaitAsync(cancellationToken);
        if (!TryWrite(message))
        {
            _logBudget.Release();
            throw new InvalidOperationException("the outbound queue is closed");
        }
    }

    public bool Send(AgentMessage message) => TryWrite(message);

    /// <summary>Queues a heartbeat unless one is already waiting, so a long disconnection does not pile them up.</summary>
    public bool TrySendHeartbeat(Func<AgentMessage> create)
    {
        if (Interlocked.CompareExchange(ref _heartbeatQueued, 1, 0) != 0)
        {
            return false;
        }

        if (TryWrite(create()))
        {
            return true;
        }

        Volatile.Write(ref _heartbeatQueued, 0);
        return false;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);

    public bool TryPeek(out AgentMessage message) => _channel.Reader.TryPeek(out message!);

    /// <summary>Removes the message last returned by <see cref="TryPeek"/>, after it was written.</summary>
    public void RemoveWritten()
    {
        if (!_channel.Reader.TryRead(out var message))
        {
            return;
        }

        switch (message.PayloadCase)
        {
            case AgentMessage.PayloadOneofCase.Heartbeat:
                Volatile.Write(ref _heartbeatQueued, 0);
                break;
        }

        if (IsResult(message))
        {
            Interlocked.Decrement(ref _pendingResults);
        }
    }

    /// <summary>Gives back the budget of log chunks the control plane acknowledged.</summary>
    public void ReleaseLogBudget(int chunks)
    {
        // Chunks reloaded from the spool at start were never given budget by this queue: they pay back first.
        while (chunks > 0 && Volatile.Read(ref _budgetDebt) > 0)
        {
            Interlocked.Decrement(ref _budgetDebt);
            chunks--;
        }

        if (chunks > 0)
        {
            _logBudget.Release(chunks);
        }
    }

    /// <summary>Charges chunks reloaded from the spool to the budget (as far as it goes; the rest is a debt).</summary>
    public void TakeLogBudget(int chunks)
    {
        for (var i = 0; i < chunks; i++)
        {
            if (!_logBudget.Wait(0))
            {
                Interlocked.Increment(ref _budgetDebt);
            }
        }
    }

    public void Dispose() => _logBudget.Dispose();

    private static bool IsResult(AgentMessage message) =>
        message.PayloadCase is not (AgentMessage.PayloadOneofCase.Heartbeat or AgentMessage.PayloadOneofCase.Draining);

    private bool TryWrite(AgentMessage message)
    {
        // Counted before the write so the reader can never decrement below zero.
        var result = IsResult(message);
        if (result)
        {
            Interlocked.Increment(ref _pendingResults);
        }

        if (_channel.Writer.TryWrite(message))
        {
            return true;
        }

        if (result)
        {
            Interlocked.Decrement(ref _pendingResults);
        }

        return false;
    }

    /// <summary>No more messages will be queued; the writer closes the request stream once it has sent the rest.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
