using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Deployments;

public sealed record SubmitDeploymentRequest(
    string? Product,
    IReadOnlyList<string>? Command,
    string? Script,
    IReadOnlyList<string>? Tags,
    IReadOnlyDictionary<string, string>? Env,
    IReadOnlyDictionary<string, string>? Secrets,
    int? TimeoutSeconds);

public sealed record DeploymentResponse(
    string RunId,
    string Product,
    string Status,
    int? ExitCode,
    string? Message,
    string? AgentId,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string>? Command,
    string? Script,
    IReadOnlyList<string> EnvNames,
    int TimeoutSeconds,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    RunApproval? Approval = null)
{
    public static DeploymentResponse From(DeploymentRow row) => new(
        row.Id,
        row.Product,
        row.Status,
        row.ExitCode,
        row.Message,
        row.AgentId,
        Json.ReadList(row.Tags),
        row.Command is null ? null : Json.ReadList(row.Command),
        row.Script,
        [.. Json.ReadMap(row.Env).Keys],
        row.TimeoutSeconds,
        row.CreatedBy,
        UnixMs.To(row.CreatedAt),
        UnixMs.To(row.StartedAt),
        UnixMs.To(row.FinishedAt),
        RunApproval.Of(row));
}

/// <summary>
/// The approval of a run that needed one: <c>pending</c>, <c>approved</c> or <c>rejected</c>, by whom, when, and
/// the approver's comment. Null for runs that needed no approval (and for one cancelled while it waited).
/// </summary>
public sealed record RunApproval(string State, string? DecidedBy, DateTimeOffset? DecidedAt, string? Comment)
{
    public static RunApproval? Of(DeploymentRow row) =>
        row.Status == DeploymentStatus.PendingApproval ? new("pending", null, null, null)
        : row.DecidedBy is null ? null
        : new(row.Status == DeploymentStatus.Rejected ? "rejected" : "approved", row.DecidedBy, UnixMs.To(row.DecidedAt), row.DecisionComment);
}

/// <summary>One line of the NDJSON log stream; data is base64 so any bytes survive.</summary>
public sealed record LogLine(long Seq, string Stream, DateTimeOffset Timestamp, byte[] Data);
