namespace Argy.Agent.State;

/// <summary>
/// The agent's identity as issued at enrollment. A class rather than a record so that a stray
/// ToString() in a log line cannot print the credential.
/// </summary>
internal sealed class AgentState
{
    public required string AgentId { get; init; }

    public required string TenantId { get; init; }

    public required string Credential { get; init; }

    public required Uri ControlPlaneUrl { get; init; }

    public required Uri GrpcUrl { get; init; }

    public string Name { get; init; } = "";

    public IReadOnlyList<string> Tags { get; init; } = [];

    public DateTimeOffset EnrolledAt { get; init; }
}
