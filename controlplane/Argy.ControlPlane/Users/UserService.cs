using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Email;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Users;

/// <summary>Inviting, changing, disabling and removing users, with the guards that keep a tenant administrable.</summary>
public sealed partial class UserService(
    UserStore users,
    TeamStore teams,
    TenantDirectory tenants,
    IEmailOutbox outbox,
    UserEmails emails,
    ResourceQuotas quotas,
    AuditedWrites writes,
    SettingsService settings,
    IOptions<UsersOptions> options,
    ILogger<UserService> logger)
{
    public InvitedUserResponse Invite(Caller caller, InviteUserRequest request)
    {
        var errors = new FieldErrors();
        errors.Require(UserValidation.IsEmail(request.Email), "email", "email is required: a mail address of at most 254 characters.");
        errors.Require(request.Role is not null && Roles.All.Contains(request.Role), "role", $"role must be one of: {string.Join(", ", Roles.All)}.");
        errors.Require(request.DisplayName is null || UserValidation.IsDisplayName(request.DisplayName), "displayName",
            "displayName must be at most 200 characters without control characters.");
        var teamIds = ResolveTeams(caller.Scope, request.Teams, errors);
        errors.ThrowIfAny();
        quotas.EnsureRoom(caller.Scope, QuotaKind.Users);

        UserRow user;
        using (var write = writes.Begin())
        {
            user = users.Create(write.Connection, write.Transaction, caller.Scope, new NewUser(request.Email!.Trim(), request.DisplayName?.Trim() ?? "", null, null,
                    request.Role!, UserStatus.Invited, UserSource.Invitation, OrgId: request.OrgId ?? caller.OrgId))
                ?? throw ApiProblemException.Conflict($"A user with email '{request.Email}' already exists in this tenant.");
            teams.SetUserTeams(write.Connection, write.Transaction, caller.Scope, user.Id, teamIds);
            write.Commit(caller.Scope, new AuditEntry(AuditActions.UserInvited, AuditResources.User, user.Id, Detail: $"Invited {user.Email} as {user.Role}.",
                Data: new Dictionary<string, string?> { ["role"] = user.Role, ["teams"] = string.Join(",", teamIds) }));
        }

        // The link is issued after the user exists; if sending fails, resending the invitation issues another.
        var expiresAt = SendInvitation(caller, user, null);
        LogInvited(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
        return new InvitedUserResponse(Response(caller.Scope, user.Id), expiresAt);
    }

    public InvitedUserResponse ResendInvitation(Caller caller, string id)
    {
        var user = Find(caller.Scope, id);
        if (user.Status != UserStatus.Invited)
        {
            throw ApiProblemException.Conflict($"User {id} is {user.Status}: only invited users get an activation link.");
        }

        var expiresAt = SendInvitation(caller, user, new AuditEntry(AuditActions.UserInvitationResent, AuditResources.User, user.Id,
            Detail: $"Invitation sent again to {user.Email}; earlier links voided."));
        return new InvitedUserResponse(Response(caller.Scope, id), expiresAt);
    }

    private DateTimeOffset SendInvitation(Caller caller, UserRow user, AuditEntry? entry)
    {
        var (token, expiresAt) = users.CreateLink(caller.Scope, user.Id, LinkPurpose.Activation, options.Value.ActivationLinkLifetime, voidEarlier: true, entry);
        var inviter = caller.UserId is { } inviterId ? users.Get(caller.Scope, inviterId) : null;
        outbox.Enqueue(emails.Invitation(user.Email, tenants.DisplayName(caller.Scope), inviter?.Email ?? "An administrator", token, expiresAt));
        return expiresAt;
    }

    public UserListResponse List(TenantScope scope, string? search, string? status, string? role, string? teamId, string? orgId, int? limit, int? offset)
    {
        var errors = new FieldErrors();
        errors.Require(status is null || UserStatus.All.Contains(status), "status", $"status must be one of: {string.Join(", ", UserStatus.All)}.");
        errors.Require(role is null || Roles.All.Contains(role), "role", $"role must be one of: {string.Join(", ", Roles.All)}.");
        errors.ThrowIfAny();
        var query = new UserQuery(search, status, role, teamId, orgId, Math.Clamp(limit ?? 100, 1, 500), Math.Max(0, offset ?? 0));
        var (items, total) = users.List(scope, query);
        var teamsByUser = teams.TeamsOf(scope, items.Select(u => u.Id).ToList());
        return new UserListResponse(
            items.Select(u => UserResponse.From(u, teamsByUser.GetValueOrDefault(u.Id) ?? [])).ToList(), total, query.Limit, query.Offset);
    }

    public UserResponse Get(TenantScope scope, string id) => Response(scope, Find(scope, id).Id);

    public UserResponse Update(Caller caller, string id, UpdateUserRequest request)
    {
        var user = Find(caller.Scope, id);
        var errors = new FieldErrors();
        errors.Require(request.Role is null || Roles.All.Contains(request.Role), "role", $"role must be one of: {string.Join(", ", Roles.All)}.");
        errors.Require(request.Status is null or UserStatus.Active or UserStatus.Disabled, "status", "status must be Active or Disabled.");
        errors.Require(request.DisplayName is null || UserValidation.IsDisplayName(request.DisplayName), "displayName",
            "displayName must be at most 200 characters without control characters.");
        var teamIds = request.Teams is null ? null : ResolveTeams(caller.Scope, request.Teams, errors);
        errors.ThrowIfAny();

        var role = request.Role ?? user.Role;
        var status = request.Status ?? user.Status;
        if (status == UserStatus.Active && user.Status == UserStatus.Invited)
        {
            throw ApiProblemException.Conflict($"User {id} has not activated the invitation yet; resend it instead.");
        }

        GuardAdmins(caller, user, role, status);
        var changed = new Dictionary<string, string?>();
        using (var write = writes.Begin())
        {
            if (request.DisplayName is not null)
            {
                users.UpdateProfile(write.Connection, write.Transaction, caller.Scope, id, null, request.DisplayName.Trim(), null, null, null, false);
                changed["displayName"] = request.DisplayName.Trim();
            }

            if (role != user.Role)
            {
                users.SetRole(write.Connection, write.Transaction, caller.Scope, id, role);
                LogRoleChanged(logger, id, caller.Scope.TenantId, user.Role, role, caller.ActorId);
                changed["role"] = $"{user.Role} -> {role}";
            }

            if (status != user.Status)
            {
                SetStatus(write, caller, user, status);
                changed["status"] = $"{user.Status} -> {status}";
            }

            if (teamIds is not null)
            {
                teams.SetUserTeams(write.Connection, write.Transaction, caller.Scope, id, teamIds);
                changed["teams"] = string.Join(",", teamIds);
            }

            write.Commit(caller.Scope, UpdatedEntry(user, changed));
        }

        return Response(caller.Scope, id);
    }

    /// <summary>One record per update: named for the one thing that changed when it is the status or the role.</summary>
    internal static AuditEntry UpdatedEntry(UserRow user, Dictionary<string, string?> changed)
    {
        var action = changed.Keys.ToList() switch
        {
            ["status"] => changed["status"]!.EndsWith(UserStatus.Disabled, StringComparison.Ordinal) ? AuditActions.UserDisabled : AuditActions.UserEnabled,
            ["role"] => AuditActions.UserRoleChanged,
            _ => AuditActions.UserUpdated,
        };
        var detail = changed.Count == 0 ? $"User {user.Email} saved unchanged."
            : $"User {user.Email}: {string.Join("; ", changed.Select(c => $"{c.Key} {c.Value}"))}.";
        return new AuditEntry(action, AuditResources.User, user.Id, Detail: detail, Data: changed);
    }

    public UserResponse Disable(Caller caller, string id) => Update(caller, id, new UpdateUserRequest(null, null, UserStatus.Disabled, null));

    public UserResponse Enable(Caller caller, string id) => Update(caller, id, new UpdateUserRequest(null, null, UserStatus.Active, null));

    public void Delete(Caller caller, string id)
    {
        var user = Find(caller.Scope, id);
        if (user.Id == caller.UserId)
        {
            throw ApiProblemException.Conflict("You cannot delete yourself.");
        }

        GuardAdmins(caller, user, Roles.Viewer, UserStatus.Disabled);
        users.Delete(caller.Scope, id, new AuditEntry(AuditActions.UserDeleted, AuditResources.User, id, Detail: $"User {user.Email} deleted; their API tokens revoked."));
        LogDeleted(logger, id, caller.Scope.TenantId, caller.ActorId);
    }

    /// <summary>Disables or re-enables a user within a change; used by the API and by SCIM deactivation alike.</summary>
    internal void SetStatus(AuditedWrite write, Caller caller, UserRow user, string status)
    {
        users.SetStatus(write.Connection, write.Transaction, caller.Scope, user.Id, status, $"user disabled by {caller.ActorId}");
        if (status == UserStatus.Disabled)
        {
            LogDisabled(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
        }
        else
        {
            LogEnabled(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
        }
    }

    /// <summary>A tenant keeps at least one active admin, and nobody locks themselves out.</summary>
    internal void GuardAdmins(Caller caller, UserRow user, string newRole, string newStatus)
    {
        if (user.Id == caller.UserId && newStatus == UserStatus.Disabled && user.Status != UserStatus.Disabled)
        {
            throw ApiProblemException.Conflict("You cannot disable yourself.");
        }

        settings.GuardBreakGlass(caller.Scope, user, newRole, newStatus);
        var losesAdmin = user.Role == Roles.Admin && user.Status == UserStatus.Active && (newRole != Roles.Admin || newStatus != UserStatus.Active);
        if (losesAdmin && users.CountActive(caller.Scope, Roles.Admin) <= 1)
        {
            throw ApiProblemException.Conflict($"User {user.Id} is the tenant's last active {Roles.Admin}; make someone else an admin first.");
        }
    }

    private List<string> ResolveTeams(TenantScope scope, IReadOnlyList<string>? requested, FieldErrors errors)
    {
        var ids = new List<string>();
        foreach (var id in (requested ?? []).Distinct(StringComparer.Ordinal))
        {
            var team = id is null ? null : teams.Get(scope, id) ?? teams.FindByName(scope, id);
            errors.Require(team is not null, "teams", $"No team '{id}' exists in your tenant.");
            if (team is not null)
            {
                ids.Add(team.Id);
            }
        }

        return ids;
    }

    private UserRow Find(TenantScope scope, string id) => users.Get(scope, id) ?? throw ApiProblemException.NotFound("user", id);

    private UserResponse Response(TenantScope scope, string id)
    {
        var user = Find(scope, id);
        return UserResponse.From(user, teams.TeamsOf(scope, user.Id));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} invited in tenant {TenantId} by {Actor}")]
    private static partial void LogInvited(ILogger logger, string userId, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} in tenant {TenantId}: role {OldRole} -> {NewRole} by {Actor}")]
    private static partial void LogRoleChanged(ILogger logger, string userId, string tenantId, string oldRole, string newRole, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} in tenant {TenantId} disabled by {Actor}: sessions revoked, tokens refused")]
    private static partial void LogDisabled(ILogger logger, string userId, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} in tenant {TenantId} enabled by {Actor}")]
    private static partial void LogEnabled(ILogger logger, string userId, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} in tenant {TenantId} deleted by {Actor}")]
    private static partial void LogDeleted(ILogger logger, string userId, string tenantId, string actor);
}

public static partial class UserValidation
{
    public static bool IsEmail(string? email) =>
        email is not null && email.Trim().Length <= 254 && EmailPattern().IsMatch(email.Trim());

    public static bool IsDisplayName(string name) => name.Length <= 200 && !name.Any(char.IsControl);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[^@\s""<>(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")]
    private static partial System.Text.RegularExpressions.Regex EmailPattern();
}
