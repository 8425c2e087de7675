using System.Collections.Concurrent;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// The authentication state of every open stream, so that a credential change made through the REST API (a
/// rotation) reaches the streams it concerns.
/// </summary>
public sealed class GatewayConnections
{
    private readonly ConcurrentDictionary<StreamAuthentication, byte> _streams = new();

    public void Add(StreamAuthentication stream) => _streams.TryAdd(stream, 0);

    public void Remove(StreamAuthentication stream) => _streams.TryRemove(stream, out _);

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
