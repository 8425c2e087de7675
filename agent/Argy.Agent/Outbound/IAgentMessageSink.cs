using Argy.Protocol.V1;

namespace Argy.Agent.Outbound;

/// <summary>Where jobs and the session put messages for the control plane.</summary>
internal interface IAgentMessageSink
{
    /// <summary>Largest LogChunk.data the control plane accepts right now.</summary>
    int MaxLogChunkBytes { get; }

    /// <summary>
    /// Queues job output. Waits while too much output is already queued (e.g. while disconnected), which stalls
    /// the job's pipe reader and eventually the job itself instead of growing memory without bound.
    /// </summary>
    ValueTask SendLogAsync(AgentMessage message, CancellationToken cancellationToken);

    /// <summary>Queues a small control message. Never waits: the read loop calls this and must keep reading.</summary>
    bool Send(AgentMessage message);
}
