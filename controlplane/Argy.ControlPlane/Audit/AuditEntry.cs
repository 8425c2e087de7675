namespace Argy.ControlPlane.Audit;

/// <summary>
/// What happened, to which resource, and whether it was allowed. Who did it, from where and in which request
/// comes from the request being served (<see cref="AuditTrail"/>), or from an explicit <see cref="AuditActor"/>
/// for work that has no request (the agent stream, background jobs).
/// </summary>
/// <param name="Action">Dotted lower-case verb phrase, e.g. <c>deployment.submitted</c>, <c>agent.revoked</c>.</param>
/// <param name="ResourceType">e.g. <c>deployment</c>, <c>agent</c>, <c>user</c>.</param>
/// <param name="ResourceId">The resource's id, when there is one.</param>
/// <param name="Outcome"><see cref="AuditOutcome.Success"/>, <see cref="AuditOutcome.Denied"/> or <see cref="AuditOutcome.Failure"/>.</param>
/// <param name="Detail">One human-readable sentence; never a secret.</param>
/// <param name="Data">Structured, non-secret facts other systems act on (notification rules, SIEM fields).</param>
/// <param name="Content">Request/response content worth keeping; encrypted at rest when a content key is configured.</param>
public sealed record AuditEntry(
    string Action,
    string ResourceType,
    string? ResourceId,
    string Outcome = AuditOutcome.Success,
    string Detail = "",
    IReadOnlyDictionary<string, string?>? Data = null,
    string? Content = null);

/// <summary>Who acted, when it is not the authenticated caller of the current request.</summary>
public sealed record AuditActor(string Type, string Id, string? OrgId = null)
{
    public static readonly AuditActor System = new(AuditActorType.System, "system");

    public static AuditActor Agent(string agentId) => new(AuditActorType.Agent, agentId);
}

public static class AuditActorType
{
    public const string User = "user";
    public const string Token = "token";
    public const string Agent = "agent";
    public const string System = "system";
    public const string Anonymous = "anonymous";
}

public static class AuditOutcome
{
    public const string Success = "success";
    public const string Denied = "denied";
    public const string Failure = "failure";
}
