using Argy.Protocol.V1;

namespace Argy.Agent.Outbound;

/// <summary>
/// Log chunks and results that were written but not yet acknowledged. A write only means the bytes reached the
/// local HTTP/2 stream; if the connection breaks, these are written again at the start of the next session
/// (the control plane stores each sequence number once, so a repeat is harmless). Nothing is ever dropped:
/// memory is bounded by the outbound queue's log budget, which a chunk gives back only when it is acknowledged
/// here, so a control plane that stops acknowledging slows the job's output down instead.
/// </summary>
internal sealed class UnacknowledgedMessages(Action<int>? chunksReleased = null)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<AgentMessage> _messages = new();

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
        }
    }

    public void Acknowledge(Ack ack)
    {
        int released;
        lock (_lock)
        {
            released = RemoveWhere(message => message.PayloadCase switch
            {
                AgentMessage.PayloadOneofCase.LogChunk =>
                    message.LogChunk.RunId == ack.RunId && (ack.Finished || message.LogChunk.Sequence <= ack.Sequence),
                AgentMessage.PayloadOneofCase.JobFinished => ack.Finished && message.JobFinished.RunId == ack.RunId,
                _ => false,
            });
        }

        Release(released);
    }

    /// <summary>Drops everything of a run the control plane no longer expects.</summary>
    public void Forget(string runId)
    {
        int released;
        lock (_lock)
        {
            released = RemoveWhere(message => (message.LogChunk?.RunId ?? message.JobFinished?.RunId) == runId);
        }

        Release(released);
    }

    /// <summary>What to write again, oldest first.</summary>
    public IReadOnlyList<AgentMessage> Snapshot()
    {
        lock (_lock)
        {
            return [.. _messages];
        }
    }

    /// <summary>Removes the matching messages; returns how many of them were log chunks.</summary>
    private int RemoveWhere(Func<AgentMessage, bool> predicate)
    {
        var chunks = 0;
        for (var node = _messages.First; node is not null;)
        {
            var next = node.Next;
            if (predicate(node.Value))
            {
                chunks += node.Value.PayloadCase == AgentMessage.PayloadOneofCase.LogChunk ? 1 : 0;
                _messages.Remove(node);
            }

            node = next;
        }

        return chunks;
    }

    private void Release(int chunks)
    {
        if (chunks > 0)
        {
            chunksReleased?.Invoke(chunks);
        }
    }
}
