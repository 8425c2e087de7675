using Argy.ControlPlane.Audit;
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
    AuditLog refusals,
    AuditedWrites writes,
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
        using var write = writes.Begin();
        string? agentId = null;
        string? role = null;
        string? loginGrant = null;
        if (row.ClientId == DeviceClients.Agent.Id)
        {
            RequireApprover(caller, row, sourceIp);
            var name = request.Name ?? (row.RequestedName.Length > 0 ? row.RequestedName : row.Hostname);
            var tags = request.Tags ?? Json.ReadList(row.RequestedTags);
            var description = request.Description ?? $"Enrolled through the device flow from {row.Hostname} ({row.SourceIp}).";
            agentId = agents.CreateApproved(write, caller.Scope, name, description, tags).Id;
        }
        else
        {
            role = caller.Role;
            loginGrant = LoginGrant.From(caller);
        }

        // The agent an approval creates and the decision are one change: if the request is gone, neither happens.
        if (!store.Decide(write, row.Id, DeviceStatus.Approved, caller.Scope, caller.ActorId, agentId, role, loginGrant))
        {
            throw Gone();
        }

        write.Commit(caller.Scope, new AuditEntry(AuditActions.DeviceApproved, AuditResources.Device, row.Id,
            Detail: agentId is not null
                ? $"Approved {row.ClientId} request from host '{row.Hostname}' at {row.SourceIp} as agent {agentId}."
                : $"Approved {row.ClientId} login from host '{row.Hostname}' at {row.SourceIp} with role {role}.",
            Data: new Dictionary<string, string?> { ["clientId"] = row.ClientId, ["agentId"] = agentId, ["role"] = role }));
        LogDecided(logger, row.Id, DeviceStatus.Approved, caller.ActorId, caller.Scope.TenantId);
        return Describe(row.Id, row.UserCode);
    }

    public DeviceRequestResponse Deny(Caller caller, DenyDeviceRequest request, string sourceIp)
    {
        var row = FindByCode(caller, request.UserCode, sourceIp);
        if (row.ClientId == DeviceClients.Agent.Id)
        {
            RequireApprover(caller, row, sourceIp);
        }

        using (var write = writes.Begin())
        {
            if (!store.Decide(write, row.Id, DeviceStatus.Denied, caller.Scope, caller.ActorId, null, null))
            {
                throw Gone();
            }

            write.Commit(caller.Scope, new AuditEntry(AuditActions.DeviceDenied, AuditResources.Device, row.Id,
                Detail: $"Denied {row.ClientId} request from host '{row.Hostname}' at {row.SourceIp}.",
                Data: new Dictionary<string, string?> { ["clientId"] = row.ClientId }));
        }

        LogDecided(logger, row.Id, DeviceStatus.Denied, caller.ActorId, caller.Scope.TenantId);
        return Describe(row.Id, row.UserCode);
    }

    private DeviceRequestResponse Describe(string id, string userCode) =>
        DeviceRequestResponse.From(store.FindById(id) ?? throw Gone(), withCode: true) with { UserCode = UserCode.Format(userCode) };

    /// <summary>Finds the pending request with this code; a wrong or malformed code costs a slot of every limit.</summary>
    private DeviceAuthorizationRow FindByCode(Caller caller, string? userCode, string sourceIp)
    {
        if (!limiter.TryAcquire(caller.ActorId, sourceIp, out var attempt, out var retryAfter))
        {
            refusals.Refused(caller.Scope, new AuditEntry(AuditActions.DeviceRateLimited, AuditResources.Device, null, AuditOutcome.Denied,
                $"Too many wrong user codes; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s."));
            throw new DeviceRateLimitedException(retryAfter);
        }

        if (!UserCode.TryNormalize(userCode, out var code) || store.FindPending(code) is not { } row)
        {
            refusals.Refused(caller.Scope, new AuditEntry(AuditActions.DeviceUserCodeRejected, AuditResources.Device, null, AuditOutcome.Denied,
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
            refusals.Refused(caller.Scope, new AuditEntry(AuditActions.DeviceApproved, AuditResources.Device, row.Id, AuditOutcome.Denied,
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
