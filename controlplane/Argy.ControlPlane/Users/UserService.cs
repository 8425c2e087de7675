using Argy.ControlPlane.Api;
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
    SecurityAudit audit,
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

        var user = users.Create(caller.Scope, new NewUser(request.Email!.Trim(), request.DisplayName?.Trim() ?? "", null, null, request.Role!,
            UserStatus.Invited, UserSource.Invitation, OrgId: request.OrgId ?? caller.OrgId))
            ?? throw ApiProblemException.Conflict($"A user with email '{request.Email}' already exists in this tenant.");
        teams.SetUserTeams(caller.Scope, user.Id, teamIds);
        var expiresAt = SendInvitation(caller, user);
        LogInvited(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
        audit.Changed(SecurityAudit.UserInvited, caller.ActorId, caller.Scope, user.Id, detail: $"role {user.Role}");
        return new InvitedUserResponse(Response(caller.Scope, user.Id), expiresAt);
    }

    public InvitedUserResponse ResendInvitation(Caller caller, string id)
    {
        var user = Find(caller.Scope, id);
        if (user.Status != UserStatus.Invited)
        {
            throw ApiProblemException.Conflict($"User {id} is {user.Status}: only invited users get an activation link.");
        }

        var expiresAt = SendInvitation(caller, user);
        return new InvitedUserResponse(Response(caller.Scope, id), expiresAt);
    }

    private DateTimeOffset SendInvitation(Caller caller, UserRow user)
    {
        var (token, expiresAt) = users.CreateLink(caller.Scope, user.Id, LinkPurpose.Activation, options.Value.ActivationLinkLifetime, voidEarlier: true);
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
        if (request.DisplayName is not null)
        {
            users.UpdateProfile(caller.Scope, id, displayName: request.DisplayName.Trim());
        }

        if (role != user.Role)
        {
            users.SetRole(caller.Scope, id, role);
            LogRoleChanged(logger, id, caller.Scope.TenantId, user.Role, role, caller.ActorId);
            audit.Changed(SecurityAudit.UserRoleChanged, caller.ActorId, caller.Scope, id, detail: $"{user.Role} -> {role}");
        }

        if (status != user.Status)
        {
            SetStatus(caller, user, status);
        }

        if (teamIds is not null)
        {
            teams.SetUserTeams(caller.Scope, id, teamIds);
        }

        return Response(caller.Scope, id);
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
        users.Delete(caller.Scope, id);
        LogDeleted(logger, id, caller.Scope.TenantId, caller.ActorId);
        audit.Changed(SecurityAudit.UserDeleted, caller.ActorId, caller.Scope, id);
    }

    /// <summary>Disables or re-enables a user; used by the API and by SCIM deactivation alike.</summary>
    internal void SetStatus(Caller caller, UserRow user, string status)
    {
        users.SetStatus(caller.Scope, user.Id, status, $"user disabled by {caller.ActorId}");
        if (status == UserStatus.Disabled)
        {
            LogDisabled(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
            audit.Changed(SecurityAudit.UserDisabled, caller.ActorId, caller.Scope, user.Id);
        }
        else
        {
            LogEnabled(logger, user.Id, caller.Scope.TenantId, caller.ActorId);
            audit.Changed(SecurityAudit.UserEnabled, caller.ActorId, caller.Scope, user.Id);
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
