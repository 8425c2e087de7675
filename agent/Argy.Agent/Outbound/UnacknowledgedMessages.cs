using Argy.Protocol.V1;

namespace Argy.Agent.Outbound;

/// <summary>
/// Log chunks and results that were written but not yet acknowledged. A write only means the bytes reached the
/// local HTTP/2 stream; if the connection breaks, these are written again at the start of the next session
/// (the control plane stores each sequence number once, so a repeat is harmless). Bounded: past the limit the
/// oldest are forgotten, as they would be by a control plane that does not acknowledge at all.
/// </summary>
internal sealed class UnacknowledgedMessages(long maxBytes = UnacknowledgedMessages.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 16L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly LinkedList<AgentMessage> _messages = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    public void Written(AgentMessage message)
    {
        if (message.PayloadCase is not (AgentMessage.PayloadOneofCase.LogChunk or AgentMessage.PayloadOneofCase.JobFinished))
        {
            return;
        }

        lock (_lock)
        {
            _messages.AddLast(message);
            _bytes += SizeOf(message);
            while (_bytes > maxBytes && _messages.First is { } oldest)
            {
                Remove(oldest);
            }
        }
    }

    public void Acknowledge(Ack ack)
    {
        lock (_lock)
        {
            RemoveWhere(message => message.PayloadCase switch
            {
                AgentMessage.PayloadOneofCase.LogChunk =>
                    message.LogChunk.RunId == ack.RunId && (ack.Finished || message.LogChunk.Sequence <= ack.Sequence),
                AgentMessage.PayloadOneofCase.JobFinished => ack.Finished && message.JobFinished.RunId == ack.RunId,
                _ => false,
            });
        }
    }

    /// <summary>Drops everything of a run the control plane no longer expects.</summary>
    public void Forget(string runId)
    {
        lock (_lock)
        {
            RemoveWhere(message => (message.LogChunk?.RunId ?? message.JobFinished?.RunId) == runId);
        }
    }

    /// <summary>What to write again, oldest first.</summary>
    public IReadOnlyList<AgentMessage> Snapshot()
    {
        lock (_lock)
        {
            return [.. _messages];
        }
    }

    private void RemoveWhere(Func<AgentMessage, bool> predicate)
    {
        for (var node = _messages.First; node is not null;)
        {
            var next = node.Next;
            if (predicate(node.Value))
            {
                Remove(node);
            }

            node = next;
        }
    }

    private void Remove(LinkedListNode<AgentMessage> node)
    {
        _bytes -= SizeOf(node.Value);
        _messages.Remove(node);
    }

    private static long SizeOf(AgentMessage message) => (message.LogChunk?.Data.Length ?? 0L) + 64;
}
