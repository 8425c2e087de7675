namespace Argy.ControlPlane.Deployments;

/// <summary>A deployment (a run) as stored.</summary>
public sealed class DeploymentRow
{
    public long Seq { get; init; }
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Product { get; init; } = "";
    public string? Command { get; init; }
    public string? Script { get; init; }
    public string Tags { get; init; } = "[]";
    public string Env { get; init; } = "{}";
    public byte[]? Secrets { get; init; }
    public int TimeoutSeconds { get; init; }
    public string Status { get; init; } = DeploymentStatus.Queued;
    public string? AgentId { get; init; }
    public int? ExitCode { get; init; }
    public string? Message { get; init; }
    public string CreatedBy { get; init; } = "";
    public long CreatedAt { get; init; }
    public long? AssignedAt { get; init; }
    public long? StartedAt { get; init; }
    public long? FinishedAt { get; init; }
    public long LastLogSeq { get; init; }
}

public static class DeploymentStatus
{
    /// <summary>Waiting for a matching agent with a free slot.</summary>
    public const string Queued = "Queued";

    /// <summary>Sent to an agent that has not accepted it yet.</summary>
    public const string Assigned = "Assigned";

    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";
    public const string TimedOut = "TimedOut";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Queued, Assigned, Running, Succeeded, Failed, Cancelled, TimedOut,
    };

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled or TimedOut;
}
