namespace Argy.Cli.Api;

internal sealed record CreateDeploymentRequest
{
    public string Product { get; init; } = "";

    public string[]? Command { get; init; }

    public string? Script { get; init; }

    public string[] Tags { get; init; } = [];

    public Dictionary<string, string> Env { get; init; } = [];

    public Dictionary<string, string> Secrets { get; init; } = [];

    public int? TimeoutSeconds { get; init; }
}

internal sealed record Deployment
{
    public string RunId { get; init; } = "";

    public string Product { get; init; } = "";

    public string Status { get; init; } = "";

    public int? ExitCode { get; init; }

    public string? Message { get; init; }

    public string? AgentId { get; init; }

    public string[] Tags { get; init; } = [];

    public int? TimeoutSeconds { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set for runs that needed approval: pending, approved or rejected, by whom and why.</summary>
    public RunApproval? Approval { get; init; }
}

internal sealed record RunApproval
{
    public string State { get; init; } = "";

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? Comment { get; init; }
}

internal sealed record LogChunk
{
    public long Seq { get; init; }

    public string Stream { get; init; } = "";

    public DateTimeOffset? Timestamp { get; init; }

    public string Data { get; init; } = "";
}

internal sealed record ItemList<T>
{
    public T[] Items { get; init; } = [];
}
