using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.Agents;

public sealed class AgentsOptions
{
    public const string Section = "Argy:Agents";

    /// <summary>How often agents send a heartbeat (told to them in Welcome).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After this many intervals without any message the session is closed and the agent marked Disconnected.</summary>
    [Range(2, 100)]
    public int MissedHeartbeats { get; set; } = 3;

    /// <summary>How long the one-time enrollment token of a new agent stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan EnrollmentTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a run may stay on an agent that is away (disconnected) before it is ended as Failed (AgentLost),
    /// or, if the agent never accepted it, queued again for another agent.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RunLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest log chunk accepted from an agent, in bytes.</summary>
    [Range(1024, 3 * 1024 * 1024)]
    public int MaxLogChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>The gRPC address agents are told to connect to at enrollment; derived from the request when empty.</summary>
    public string? PublicGrpcUrl { get; set; }
}
