using Argy.ControlPlane.Api;
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

/// <summary>Agent lifecycle: create with a one-time enrollment token, enroll, list, revoke.</summary>
public sealed partial class AgentService(
    AgentStore store,
    DeploymentStore deployments,
    Dispatcher dispatcher,
    RunSignals signals,
    IOptions<AgentsOptions> options,
    ILogger<AgentService> logger)
{
    public CreatedAgentResponse Create(TenantScope scope, CreateAgentRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name), "name",
            "name is required: 1-100 characters, starting with a letter or digit.");
        errors.Require((request.Description?.Length ?? 0) <= 1000, "description", "description is longer than 1000 characters.");
        errors.Tags(request.Tags, "tags");
        errors.ThrowIfAny();

        var tags = (request.Tags ?? []).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            var (row, token) = store.Create(scope, request.Name!, request.Description ?? "", tags, options.Value.EnrollmentTokenLifetime);
            LogCreated(logger, row.Id, row.Name, scope.TenantId);
            return new CreatedAgentResponse(row.Id, row.Name, row.Description, tags, token, UnixMs.To(row.EnrollmentExpiresAt!.Value));
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
    /// Revokes at once: the credential stops working, the live stream is told goodbye and closed, and runs the
    /// agent held are ended as Cancelled because nothing can report them any more.
    /// </summary>
    public AgentResponse Revoke(TenantScope scope, string id)
    {
        var row = store.Get(scope, id) ?? throw ApiProblemException.NotFound("agent", id);
        if (store.Revoke(scope, id))
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
            throw refused;
        }

        var agent = store.FindForEnrollment("agt_" + token.Id);
        if (agent is null || !OpaqueToken.Verify(token.Secret, agent.EnrollmentHash))
        {
            throw refused;
        }

        var scope = TenantScope.Of(agent.TenantId);
        var credential = OpaqueToken.Issue(OpaqueToken.AgentCredentialKind, token.Id);
        var hello = new AgentHello(Clip(request.Hostname), Clip(request.Os), Clip(request.Arch), Clip(request.Version), [], 0);
        if (!store.CompleteEnrollment(scope, agent.Id, agent.EnrollmentHash!, credential.SecretHash, hello))
        {
            throw refused;
        }

        LogEnrolled(logger, agent.Id, agent.Name, scope.TenantId, hello.Hostname);
        return new EnrollResponse(agent.Id, agent.TenantId, credential.Token, grpcUrl, agent.Name, Json.ReadList(agent.Tags));
    }

    private AgentResponse Describe(AgentRow row)
    {
        var session = dispatcher.SessionOf(row.Id);
        return session is null
            ? AgentResponse.From(row, 0)
            : AgentResponse.From(row, dispatcher.RunsOf(session).Count, session.LastActivity);
    }

    private static string Clip(string? value) => (value ?? "").Length > 200 ? value![..200] : value ?? "";

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} ({AgentName}) created in tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, string agentId, string agentName, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} ({AgentName}) of tenant {TenantId} enrolled from host {Hostname}")]
    private static partial void LogEnrolled(ILogger logger, string agentId, string agentName, string tenantId, string hostname);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} ({AgentName}) of tenant {TenantId} revoked")]
    private static partial void LogRevoked(ILogger logger, string agentId, string agentName, string tenantId);
}
