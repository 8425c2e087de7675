using System.Text;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Support;

/// <summary>A sink that keeps every message in the order it was queued.</summary>
internal sealed class CollectingSink(int maxLogChunkBytes = OutboundQueue.DefaultMaxLogChunkBytes) : IAgentMessageSink
{
    private readonly Lock _lock = new();
    private readonly List<AgentMessage> _messages = [];

    public int MaxLogChunkBytes { get; } = maxLogChunkBytes;

    /// <summary>Plays the control plane reacting to a message the moment it arrives.</summary>
    public Action<AgentMessage>? OnSend { get; set; }

    public IReadOnlyList<AgentMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<LogChunk> Chunks => [.. Messages.Where(m => m.LogChunk is not null).Select(m => m.LogChunk)];

    public string Output(params OutputStream[] streams) =>
        Encoding.UTF8.GetString(Chunks.Where(c => streams.Length == 0 || streams.Contains(c.Stream)).SelectMany(c => c.Data.ToByteArray()).ToArray());

    public ValueTask SendLogAsync(AgentMessage message, CancellationToken cancellationToken)
    {
        Send(message);
        return ValueTask.CompletedTask;
    }

    public bool Send(AgentMessage message)
    {
        lock (_lock)
        {
            _messages.Add(message);
        }

        OnSend?.Invoke(message);
        return true;
    }
}
