using Argy.Protocol.V1;

namespace Argy.Agent.Outbound;

/// <summary>
/// Log chunks and results that were written but not yet acknowledged. A write only means the bytes reached the
/// local HTTP/2 stream; if the connection breaks, these are written again at the start of the next session
/// (the control plane stores each sequence number once, so a repeat is harmless). Nothing is ever dropped:
/// memory is bounded by the outbound queue's log budget, which a chunk gives back only when it is acknowledged
/// here, so a control plane that stops acknowledging slows the job's output down instead.
/// </summary>
internal sealed class UnacknowledgedMessages(Action<int>? chunksReleased = null, DiskSpool? spool = null)
{
    // A run's spool file is compacted to what is still unacknowledged once it has grown past this.
    private const long CompactAfterBytes = 8 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly LinkedList<AgentMessage> _messages = new();
    private readonly Dictionary<string, long> _spooledBytes = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes back what a previous run of the agent spooled and never got acknowledged; returns the runs it
    /// belongs to (to list in Hello) and how many log chunks it holds (they take output budget).
    /// </summary>
    public (IReadOnlyList<string> Runs, int Chunks) LoadSpooled()
    {
        if (spool is null)
        {
            return ([], 0);
        }

        var loaded = spool.Load();
        lock (_lock)
        {
            foreach (var message in loaded)
            {
                _messages.AddLast(message);
            }
        }

        return ([.. loaded.Select(DiskSpool.RunOf).OfType<string>().Distinct(StringComparer.Ordinal)],
            loaded.Count(m => m.PayloadCase == AgentMessage.PayloadOneofCase.LogChunk));
    }

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
            if (spool is not null && DiskSpool.RunOf(message) is { } runId)
            {
                _spooledBytes[runId] = _spooledBytes.GetValueOrDefault(runId) + spool.Append(message);
            }
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
            Unspool(ack.RunId);
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
            Unspool(runId);
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

    /// <summary>Deletes a run's spool file once nothing of it is left, or compacts it when it has grown large.</summary>
    private void Unspool(string runId)
    {
        if (spool is null)
        {
            return;
        }

        var remaining = _messages.Where(m => DiskSpool.RunOf(m) == runId).ToList();
        if (remaining.Count == 0)
        {
            spool.Delete(runId);
            _spooledBytes.Remove(runId);
        }
        else if (_spooledBytes.GetValueOrDefault(runId) is var spooled && spooled > CompactAfterBytes && spooled > 2 * LiveBytes(remaining))
        {
            // A rewrite costs what is still unacknowledged, so it waits until the file holds at least as much
            // acknowledged output as live output: each byte is then rewritten about once at most, even when
            // acknowledgements lag by more than the threshold (rewriting on every acknowledgement would copy the
            // whole backlog, with an fsync, per chunk).
            _spooledBytes[runId] = spool.Rewrite(runId, remaining);
        }
    }

    // The length prefix of a delimited record is at most 5 bytes.
    private static long LiveBytes(List<AgentMessage> messages) => messages.Sum(m => m.CalculateSize() + 5L);

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
