using System.Collections.Concurrent;
using Argy.ControlPlane.Dispatch;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// Every open agent stream: its authentication state, so that a credential change made through the REST API (a
/// rotation) reaches the streams it concerns, and once Hello is through its session, which
/// <see cref="SessionMonitor"/> sweeps for silence and last-seen times.
/// </summary>
public sealed class GatewayConnections
{
    private readonly ConcurrentDictionary<StreamAuthentication, AgentSession?> _streams = new();

    public void Add(StreamAuthentication stream) => _streams.TryAdd(stream, null);

    /// <summary>The stream's session exists (Hello was accepted).</summary>
    public void Attach(StreamAuthentication stream, AgentSession session) => _streams[stream] = session;

    public void Remove(StreamAuthentication stream) => _streams.TryRemove(stream, out _);

    public int Count => _streams.Count;

    /// <summary>The sessions of the open streams, at the moment of the call or a little after.</summary>
    public IEnumerable<AgentSession> Sessions
    {
        get
        {
            foreach (var (_, session) in _streams)
            {
                if (session is not null)
                {
                    yield return session;
                }
            }
        }
    }

    /// <summary>Tells the agent's open streams that these keys stop working at <paramref name="expiresAtMs"/>.</summary>
    public void KeysExpire(string agentId, IReadOnlyCollection<string> keyIds, long expiresAtMs)
    {
        foreach (var stream in _streams.Keys)
        {
            if (stream.AgentId == agentId)
            {
                stream.KeysExpire(keyIds, expiresAtMs);
            }
        }
    }
}
