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
    public string? OrgId { get; init; }

    /// <summary>The user who submitted the run (null for a service-account token): never its approver.</summary>
    public string? CreatedByUser { get; init; }

    /// <summary>Who approved or rejected a run that needed approval, when, and their comment.</summary>
    public string? DecidedBy { get; init; }
    public long? DecidedAt { get; init; }
    public string? DecisionComment { get; init; }
}

public static class DeploymentStatus
{
    /// <summary>Waiting for an approver (the product requires approval); never offered to agents.</summary>
    public const string PendingApproval = "PendingApproval";

    /// <summary>Waiting for a matching agent with a free slot.</summary>
    public const string Queued = "Queued";

    /// <summary>Sent to an agent that has not accepted it yet.</summary>
    public const string Assigned = "Assigned";

    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";
    public const string TimedOut = "TimedOut";

    /// <summary>An approver refused the run; it never ran. Its message is the approver's comment.</summary>
    public const string Rejected = "Rejected";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        PendingApproval, Queued, Assigned, Running, Succeeded, Failed, Cancelled, TimedOut, Rejected,
    };

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled or TimedOut or Rejected;
}
