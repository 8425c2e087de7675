using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>Too many wrong user codes: answered 429 with Retry-After.</summary>
public sealed class DeviceRateLimitedException(TimeSpan retryAfter)
    : Exception("Too many wrong user codes were entered recently; wait before trying again.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The approver's side of RFC 8628: look a request up by the code the device shows, then approve it (into the
/// approver's tenant) or deny it. Every lookup of a code is rate-limited; wrong codes are audited.
/// Agent requests need agents:approve; a CLI login may be approved by any token holder and yields a token with
/// the approver's own role and tenant, never more.
/// </summary>
public sealed partial class DeviceApprovalService(
    DeviceAuthorizationStore store,
    WrongCodeLimiter limiter,
    AgentService agents,
    AuditLog audit,
    IOptions<DeviceFlowOptions> options,
    ILogger<DeviceApprovalService> logger)
{
    public DeviceRequestResponse Lookup(Caller caller, string? userCode, string sourceIp) =>
        DeviceRequestResponse.From(FindByCode(caller, userCode, sourceIp), withCode: true);

    public IReadOnlyList<DeviceRequestResponse> ListPending(Caller caller)
    {
        if (!Permissions.Allows(caller.Role, Permissions.AgentsApprove))
        {
            throw Forbidden();
        }

        if (!options.Value.ListPending)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "Listing disabled",
                "Listing pending requests is turned off on this control plane (Argy:DeviceFlow:ListPending); look a request up by its code.");
        }

        return store.ListPending().Select(row => DeviceRequestResponse.From(row, withCode: false)).ToList();
    }

    public DeviceRequestResponse Approve(Caller caller, ApproveDeviceRequest request, string sourceIp)
    {
        var row = FindByCode(caller, request.UserCode, sourceIp);
        string? agentId = null;
        string? role = null;
        string? loginGrant = null;
        if (row.ClientId == DeviceClients.Agent.Id)
        {
            RequireApprover(caller, row, sourceIp);
            var name = request.Name ?? (row.RequestedName.Length > 0 ? row.RequestedName : row.Hostname);
            var tags = request.Tags ?? Json.ReadList(row.RequestedTags);
            var description = request.Description ?? $"Enrolled through the device flow from {row.Hostname} ({row.SourceIp}).";
            agentId = agents.CreateApproved(caller.Scope, name, description, tags).Id;
        }
        else
        {
            role = caller.Role;
            loginGrant = LoginGrant.From(caller);
        }

        if (!store.Decide(row.Id, DeviceStatus.Approved, caller.Scope, caller.ActorId, agentId, role, loginGrant))
        {
            if (agentId is not null)
            {
                agents.Revoke(caller.Scope, agentId, caller.ActorId, sourceIp);
            }

            throw Gone();
        }

        LogDecided(logger, row.Id, DeviceStatus.Approved, caller.ActorId, caller.Scope.TenantId);
        audit.Record(new AuditEvent(AuditActions.DeviceApproved, AuditOutcomes.Success, caller.ActorId, caller.Scope.TenantId, row.Id, sourceIp,
            agentId is not null
                ? $"Approved {row.ClientId} request from host '{row.Hostname}' at {row.SourceIp} as agent {agentId}."
                : $"Approved {row.ClientId} login from host '{row.Hostname}' at {row.SourceIp} with role {role}."));
        return Describe(row.Id, row.UserCode);
    }

    public DeviceRequestResponse Deny(Caller caller, DenyDeviceRequest request, string sourceIp)
    {
        var row = FindByCode(caller, request.UserCode, sourceIp);
        if (row.ClientId == DeviceClients.Agent.Id)
        {
            RequireApprover(caller, row, sourceIp);
        }

        if (!store.Decide(row.Id, DeviceStatus.Denied, caller.Scope, caller.ActorId, null, null))
        {
            throw Gone();
        }

        LogDecided(logger, row.Id, DeviceStatus.Denied, caller.ActorId, caller.Scope.TenantId);
        audit.Record(new AuditEvent(AuditActions.DeviceDenied, AuditOutcomes.Success, caller.ActorId, caller.Scope.TenantId, row.Id, sourceIp,
            $"Denied {row.ClientId} request from host '{row.Hostname}' at {row.SourceIp}."));
        return Describe(row.Id, row.UserCode);
    }

    private DeviceRequestResponse Describe(string id, string userCode) =>
        DeviceRequestResponse.From(store.FindById(id) ?? throw Gone(), withCode: true) with { UserCode = UserCode.Format(userCode) };

    /// <summary>Finds the pending request with this code; a wrong or malformed code costs a slot of every limit.</summary>
    private DeviceAuthorizationRow FindByCode(Caller caller, string? userCode, string sourceIp)
    {
        if (!limiter.TryAcquire(caller.ActorId, sourceIp, out var attempt, out var retryAfter))
        {
            audit.Record(new AuditEvent(AuditActions.DeviceRateLimited, AuditOutcomes.Denied, caller.ActorId, caller.Scope.TenantId, null, sourceIp,
                $"Too many wrong user codes; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s."));
            throw new DeviceRateLimitedException(retryAfter);
        }

        if (!UserCode.TryNormalize(userCode, out var code) || store.FindPending(code) is not { } row)
        {
            audit.Record(new AuditEvent(AuditActions.DeviceUserCodeRejected, AuditOutcomes.Denied, caller.ActorId, caller.Scope.TenantId, null, sourceIp,
                "A wrong, malformed, expired or already decided user code was entered."));
            throw Gone();
        }

        limiter.Forgive(attempt);
        return row;
    }

    private void RequireApprover(Caller caller, DeviceAuthorizationRow row, string sourceIp)
    {
        if (!Permissions.Allows(caller.Role, Permissions.AgentsApprove))
        {
            audit.Record(new AuditEvent(AuditActions.DeviceApproved, AuditOutcomes.Denied, caller.ActorId, caller.Scope.TenantId, row.Id, sourceIp,
                $"Role {caller.Role} may not approve agent enrollments."));
            throw Forbidden();
        }
    }

    private static ApiProblemException Forbidden() => new(StatusCodes.Status403Forbidden, "Forbidden",
        $"Approving agents needs the {Permissions.AgentsApprove} permission ({Roles.Admin} or {Roles.PlatformEngineer}).");

    private static ApiProblemException Gone() => new(StatusCodes.Status404NotFound, "No such request",
        "No pending request has this code: it is wrong, expired or already decided. Check the code shown on the device.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId} {Status} by {Actor} for tenant {TenantId}")]
    private static partial void LogDecided(ILogger logger, string requestId, string status, string actor, string tenantId);
}
