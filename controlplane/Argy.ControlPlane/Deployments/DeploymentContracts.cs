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
    DateTimeOffset? FinishedAt)
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
        UnixMs.To(row.FinishedAt));
}

/// <summary>One line of the NDJSON log stream; data is base64 so any bytes survive.</summary>
public sealed record LogLine(long Seq, string Stream, DateTimeOffset Timestamp, byte[] Data);
