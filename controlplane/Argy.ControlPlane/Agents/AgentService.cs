using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Gateway;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.V1;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Agents;

/// <summary>Agent lifecycle: create with a one-time enrollment token, enroll, list, rotate credentials, revoke.</summary>
public sealed partial class AgentService(
    AgentStore store,
    AgentCredentials credentials,
    AgentCredentialStore credentialStore,
    DeploymentStore deployments,
    Dispatcher dispatcher,
    GatewayConnections connections,
    RunSignals signals,
    AuditLog refusals,
    IOptions<AgentsOptions> options,
    IOptions<AgentAuthOptions> authOptions,
    TimeProvider time,
    ILogger<AgentService> logger)
{
    public CreatedAgentResponse Create(TenantScope scope, CreateAgentRequest request)
    {
        Validate(request.Name, request.Description, request.Tags);
        var tags = (request.Tags ?? []).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            var (row, token) = store.Create(
                scope, request.Name!, request.Description ?? "", tags, options.Value.EnrollmentTokenLifetime, credentials.ConfiguredMode);
            LogCreated(logger, row.Id, row.Name, scope.TenantId);
            return new CreatedAgentResponse(row.Id, row.Name, row.Description, tags, token, UnixMs.To(row.EnrollmentExpiresAt!.Value));
        }
        catch (DuplicateNameException e)
        {
            throw ApiProblemException.Conflict(e.Message);
        }
    }

    /// <summary>Creates the agent an approver admits through the device flow; it gets its credential when its device polls.</summary>
    public AgentRow CreateApproved(AuditedWrite write, TenantScope scope, string? name, string? description, IReadOnlyList<string>? tags)
    {
        Validate(name, description, tags);
        try
        {
            var row = store.CreateApproved(write, scope, name!, description ?? "", (tags ?? []).Distinct(StringComparer.Ordinal).ToList(), credentials.ConfiguredMode);
            LogCreated(logger, row.Id, row.Name, scope.TenantId);
            return row;
        }
        catch (DuplicateNameException e)
        {
            throw ApiProblemException.Conflict(e.Message);
        }
    }

    public IReadOnlyList<AgentResponse> List(TenantScope scope) =>
        store.List(scope).Select(row => Describe(row)).ToList();

    public AgentResponse Get(TenantScope scope, string id) =>
        Describe(store.Get(scope, id) ?? throw ApiProblemException.NotFound("agent", id));

    /// <summary>
    /// Revokes at once: the credentials stop working, the live stream is told goodbye and closed, and runs the
    /// agent held are ended as Cancelled because nothing can report them any more.
    /// </summary>
    public AgentResponse Revoke(TenantScope scope, string id)
    {
        var row = store.Get(scope, id) ?? throw ApiProblemException.NotFound("agent", id);
        if (store.Revoke(scope, id, new AuditEntry(AuditActions.AgentRevoked, AuditResources.Agent, id,
                Detail: $"Agent {row.Name} revoked: stream closed, credentials refused, running jobs cancelled.")))
        {
            dispatcher.SessionOf(id)?.Close(new Goodbye
            {
                Reason = Goodbye.Types.Reason.Revoked,
                Message = "This agent was revoked by an administrator.",
            });
            foreach (var run in deployments.ActiveOnAgent(scope, id))
            {
                if (deployments.FinishOnAgent(scope, run.Id, id, DeploymentStatus.Cancelled, null, "Cancelled: the agent running it was revoked.", 0))
                {
                    signals.Changed(run.Id);
                }
            }

            LogRevoked(logger, id, row.Name, scope.TenantId);
        }

        return Get(scope, id);
    }

    public EnrollResponse Enroll(EnrollRequest request, string grpcUrl)
    {
        var refused = new ApiProblemException(StatusCodes.Status401Unauthorized, "Enrollment refused",
            "The enrollment token is invalid, already used, expired or revoked. Ask an admin for a new one (argy agents create).");
        if (!OpaqueToken.TryParse(OpaqueToken.EnrollmentKind, request.Token, out var token))
        {
            throw Refused(null, null, "The enrollment token is malformed.");
        }

        var agent = store.FindForEnrollment("agt_" + token.Id);
        if (agent is null || !OpaqueToken.Verify(token.Secret, agent.EnrollmentHash))
        {
            throw Refused(agent?.TenantId, agent?.Id, "The enrollment token is unknown, already used or revoked.");
        }

        var scope = TenantScope.Of(agent.TenantId);
        var credential = credentials.Create(scope, agent.Id);
        var hello = HelloFrom(request.Hostname, request.Os, request.Arch, request.Version);
        if (!store.CompleteEnrollment(scope, agent.Id, agent.EnrollmentHash!, credential.Row, hello, EnrolledEntry(agent, credential, hello, "an enrollment token")))
        {
            throw Refused(agent.TenantId, agent.Id, "The enrollment token expired or was used by a concurrent enrollment.");
        }

        return Enrolled(agent, credential, hello, grpcUrl);

        ApiProblemException Refused(string? tenantId, string? agentId, string why)
        {
            refusals.Refused(tenantId, new AuditEntry(AuditActions.AgentEnrollmentRefused, AuditResources.Agent, agentId, AuditOutcome.Denied, why));
            return refused;
        }
    }

    /// <summary>Issues the first credential of an agent approved through the device flow; null if it already has one.</summary>
    public EnrollResponse? CompleteDeviceEnrollment(TenantScope scope, string agentId, AgentHello hello, string grpcUrl)
    {
        var agent = store.Get(scope, agentId);
        if (agent is null)
        {
            return null;
        }

        var credential = credentials.Create(scope, agent.Id);
        return store.CompleteDeviceEnrollment(scope, agent.Id, credential.Row, hello, EnrolledEntry(agent, credential, hello, "a device authorization"))
            ? Enrolled(agent, credential, hello, grpcUrl)
            : null;
    }

    /// <summary>
    /// Issues the agent a new credential (in the configured mode) and lets its other credentials expire at the
    /// end of the grace period. Open streams bound to an expiring credential are asked to re-authenticate then.
    /// </summary>
    public RotatedCredentialResponse Rotate(AgentIdentity caller)
    {
        var scope = caller.Scope;
        var agent = caller.Agent;
        var issued = credentials.Create(scope, agent.Id);
        var graceEnd = time.GetUtcNow() + authOptions.Value.RotationGracePeriod;
        var expiring = credentialStore.Rotate(scope, issued.Row, graceEnd, new AuditEntry(
                AuditActions.AgentCredentialRotated, AuditResources.Agent, agent.Id,
                Detail: $"New {issued.Mode} credential {issued.KeyId}.",
                Data: new Dictionary<string, string?> { ["keyId"] = issued.KeyId, ["mode"] = issued.Mode }))
            ?? throw new ApiProblemException(StatusCodes.Status403Forbidden, "Agent revoked", AgentAuthenticator.RevokedReason);
        connections.KeysExpire(agent.Id, expiring, UnixMs.From(graceEnd));

        LogRotated(logger, agent.Id, caller.KeyId, issued.KeyId, issued.Mode, graceEnd);
        return new RotatedCredentialResponse(agent.Id, agent.TenantId, issued.Secret, issued.Mode, issued.KeyId, graceEnd);
    }

    public static AgentHello HelloFrom(string? hostname, string? os, string? arch, string? version) =>
        new(Clip(hostname), Clip(os), Clip(arch), Clip(version), [], 0);

    private static AuditEntry EnrolledEntry(AgentRow agent, IssuedCredential credential, AgentHello hello, string how) =>
        new(AuditActions.AgentEnrolled, AuditResources.Agent, agent.Id,
            Detail: $"Agent {agent.Name} enrolled with {how} from host '{hello.Hostname}'; {credential.Mode} credential {credential.KeyId} issued.",
            Data: new Dictionary<string, string?> { ["keyId"] = credential.KeyId, ["mode"] = credential.Mode, ["hostname"] = hello.Hostname });

    private EnrollResponse Enrolled(AgentRow agent, IssuedCredential credential, AgentHello hello, string grpcUrl)
    {
        LogEnrolled(logger, agent.Id, agent.Name, agent.TenantId, hello.Hostname, credential.Mode);
        return new EnrollResponse(agent.Id, agent.TenantId, credential.Secret, grpcUrl, agent.Name, Json.ReadList(agent.Tags), credential.Mode, credential.KeyId);
    }

    private static void Validate(string? name, string? description, IReadOnlyList<string>? tags)
    {
        var errors = new FieldErrors();
        errors.Require(name is not null && FieldErrors.NamePattern().IsMatch(name), "name",
            "name is required: 1-100 characters, starting with a letter or digit.");
        errors.Require((description?.Length ?? 0) <= 1000, "description", "description is longer than 1000 characters.");
        errors.Tags(tags, "tags");
        errors.ThrowIfAny();
    }

    private AgentResponse Describe(AgentRow row)
    {
        var session = dispatcher.SessionOf(row.Id);
        return AgentResponse.From(row, session is null ? 0 : dispatcher.RunsOf(session).Count);
    }

    private static string Clip(string? value) => (value ?? "").Length > 200 ? value![..200] : value ?? "";

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} ({AgentName}) created in tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, string agentId, string agentName, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} ({AgentName}) of tenant {TenantId} enrolled from host {Hostname} ({Mode})")]
    private static partial void LogEnrolled(ILogger logger, string agentId, string agentName, string tenantId, string hostname, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} ({AgentName}) of tenant {TenantId} revoked")]
    private static partial void LogRevoked(ILogger logger, string agentId, string agentName, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} rotated its credential {OldKeyId} to {NewKeyId} ({Mode}); the old one works until {GraceEnd}")]
    private static partial void LogRotated(ILogger logger, string agentId, string oldKeyId, string newKeyId, string mode, DateTimeOffset graceEnd);
}
