using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Teams;

/// <summary>Teams: name, description, lead, members and the products they may use.</summary>
public sealed partial class TeamService(TeamStore teams, UserStore users, ProductStore products, ResourceQuotas quotas, AuditedWrites writes, ILogger<TeamService> logger)
{
    public TeamResponse Create(Caller caller, CreateTeamRequest request, string? orgId)
    {
        var errors = new FieldErrors();
        errors.Require(TeamValidation.IsName(request.Name), "name", "name is required: 1-200 characters without control characters.");
        errors.Require(request.Description is null || request.Description.Length <= 1000, "description", "description is at most 1000 characters.");
        var lead = request.Lead is null ? null : User(caller.Scope, request.Lead, "lead", errors);
        var members = (request.Members ?? []).Distinct(StringComparer.Ordinal).Select(m => User(caller.Scope, m, "members", errors)).OfType<UserRow>().ToList();
        var grants = new List<(string ProductId, string Permission)>();
        foreach (var grant in request.Products ?? [])
        {
            var product = grant.Product is null ? null : products.Get(caller.Scope, grant.Product) ?? products.FindByName(caller.Scope, grant.Product);
            errors.Require(product is not null, "products", $"No product '{grant.Product}' exists in your tenant.");
            errors.Require(grant.Permission is not null && ProductPermission.All.Contains(grant.Permission), "products",
                $"permission must be one of: {string.Join(", ", ProductPermission.All)}.");
            if (product is not null && grant.Permission is not null)
            {
                grants.Add((product.Id, grant.Permission));
            }
        }

        errors.ThrowIfAny();
        quotas.EnsureRoom(caller.Scope, QuotaKind.Teams);
        using var write = writes.Begin();
        var team = teams.Create(write.Connection, write.Transaction, caller.Scope, request.Name!, request.Description ?? "", lead?.Id, null, orgId)
            ?? throw ApiProblemException.Conflict($"A team named '{request.Name}' already exists.");
        foreach (var member in members)
        {
            teams.AddMember(write.Connection, write.Transaction, caller.Scope, team.Id, member.Id);
        }

        foreach (var (productId, permission) in grants)
        {
            TeamStore.Grant(write.Connection, write.Transaction, caller.Scope, team.Id, productId, permission);
        }

        write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamCreated, AuditResources.Team, team.Id, Detail: $"Team '{team.Name}' created.",
            Data: new Dictionary<string, string?>
            {
                ["name"] = team.Name,
                ["members"] = string.Join(",", members.Select(m => m.Id)),
                ["products"] = string.Join(",", grants.Select(g => $"{g.ProductId}:{g.Permission}")),
            }));

        LogCreated(logger, team.Id, caller.Scope.TenantId, caller.ActorId);
        return Get(caller.Scope, team.Id);
    }

    public TeamResponse Get(TenantScope scope, string id, string? org = null)
    {
        var team = Find(scope, id, org);
        return TeamResponse.From(team, teams.Members(scope, id), teams.Products(scope, id));
    }

    public IReadOnlyList<TeamResponse> List(TenantScope scope, string? orgId, string? search) =>
        teams.List(scope, orgId, search).Select(t => TeamResponse.From(t, teams.Members(scope, t.Id), teams.Products(scope, t.Id))).ToList();

    public TeamResponse Update(Caller caller, string id, UpdateTeamRequest request)
    {
        Find(caller.Scope, id, caller.OrgId);
        var errors = new FieldErrors();
        errors.Require(request.Name is null || TeamValidation.IsName(request.Name), "name", "name must be 1-200 characters without control characters.");
        errors.Require(request.Description is null || request.Description.Length <= 1000, "description", "description is at most 1000 characters.");
        var lead = string.IsNullOrEmpty(request.Lead) ? null : User(caller.Scope, request.Lead, "lead", errors);
        errors.ThrowIfAny();
        using (var write = writes.Begin())
        {
            if (!teams.Update(write.Connection, write.Transaction, caller.Scope, id, request.Name, request.Description, lead?.Id, clearLead: request.Lead == "", null))
            {
                throw ApiProblemException.Conflict($"A team named '{request.Name}' already exists.");
            }

            write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamUpdated, AuditResources.Team, id, Detail: $"Team {id} updated.",
                Data: new Dictionary<string, string?> { ["name"] = request.Name, ["description"] = request.Description, ["lead"] = request.Lead }));
        }

        return Get(caller.Scope, id);
    }

    public void Delete(Caller caller, string id)
    {
        Find(caller.Scope, id, caller.OrgId);
        Change(caller, write => TeamStore.Delete(write.Connection, write.Transaction, caller.Scope, id),
            new AuditEntry(AuditActions.TeamDeleted, AuditResources.Team, id, Detail: $"Team {id} deleted."));
        LogDeleted(logger, id, caller.Scope.TenantId, caller.ActorId);
    }

    public TeamResponse AddMember(Caller caller, string id, string userId)
    {
        Find(caller.Scope, id, caller.OrgId);
        var user = users.Get(caller.Scope, userId) ?? throw ApiProblemException.NotFound("user", userId);
        Change(caller, write => teams.AddMember(write.Connection, write.Transaction, caller.Scope, id, user.Id),
            new AuditEntry(AuditActions.TeamMemberAdded, AuditResources.Team, id, Detail: $"{user.Email} added to team {id}.",
                Data: new Dictionary<string, string?> { ["userId"] = user.Id }));
        return Get(caller.Scope, id);
    }

    public TeamResponse RemoveMember(Caller caller, string id, string userId)
    {
        Find(caller.Scope, id, caller.OrgId);
        using (var write = writes.Begin())
        {
            if (!TeamStore.RemoveMember(write.Connection, write.Transaction, caller.Scope, id, userId))
            {
                throw ApiProblemException.NotFound("member of this team", userId);
            }

            write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamMemberRemoved, AuditResources.Team, id, Detail: $"User {userId} removed from team {id}.",
                Data: new Dictionary<string, string?> { ["userId"] = userId }));
        }

        return Get(caller.Scope, id);
    }

    public TeamResponse Grant(Caller caller, string id, string productId, GrantRequest request)
    {
        Find(caller.Scope, id, caller.OrgId);
        var product = products.Get(caller.Scope, productId) ?? throw ApiProblemException.NotFound("product", productId);
        if (request.Permission is null || !ProductPermission.All.Contains(request.Permission))
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]>
            {
                ["permission"] = [$"permission must be one of: {string.Join(", ", ProductPermission.All)}."],
            });
        }

        Change(caller, write => TeamStore.Grant(write.Connection, write.Transaction, caller.Scope, id, product.Id, request.Permission),
            new AuditEntry(AuditActions.TeamProductGranted, AuditResources.Team, id, Detail: $"Team {id} given {request.Permission} on product {product.Name}.",
                Data: new Dictionary<string, string?> { ["productId"] = product.Id, ["permission"] = request.Permission }));
        LogGranted(logger, id, product.Id, request.Permission, caller.Scope.TenantId, caller.ActorId);
        return Get(caller.Scope, id);
    }

    public TeamResponse Ungrant(Caller caller, string id, string productId)
    {
        Find(caller.Scope, id, caller.OrgId);
        using (var write = writes.Begin())
        {
            if (!TeamStore.Ungrant(write.Connection, write.Transaction, caller.Scope, id, productId))
            {
                throw ApiProblemException.NotFound("product of this team", productId);
            }

            write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamProductRevoked, AuditResources.Team, id, Detail: $"Team {id} no longer has product {productId}.",
                Data: new Dictionary<string, string?> { ["productId"] = productId }));
        }

        return Get(caller.Scope, id);
    }

    private void Change(Caller caller, Action<AuditedWrite> change, AuditEntry entry)
    {
        using var write = writes.Begin();
        change(write);
        write.Commit(caller.Scope, entry);
    }

    // Another org's team answers 404 to a caller acting in an org, as it is missing from that caller's list.
    private TeamRow Find(TenantScope scope, string id, string? org) => teams.Get(scope, id, org) ?? throw ApiProblemException.NotFound("team", id);

    private UserRow? User(TenantScope scope, string idOrEmail, string field, FieldErrors errors)
    {
        var user = users.Get(scope, idOrEmail) ?? (UserValidation.IsEmail(idOrEmail) ? users.FindByEmail(scope, idOrEmail) : null);
        errors.Require(user is not null, field, $"No user '{idOrEmail}' exists in your tenant.");
        return user;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId} created in tenant {TenantId} by {Actor}")]
    private static partial void LogCreated(ILogger logger, string teamId, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId} deleted in tenant {TenantId} by {Actor}")]
    private static partial void LogDeleted(ILogger logger, string teamId, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId} given {Permission} on product {ProductId} in tenant {TenantId} by {Actor}")]
    private static partial void LogGranted(ILogger logger, string teamId, string productId, string permission, string tenantId, string actor);
}

public static class TeamValidation
{
    public static bool IsName(string? name) => name is not null && name.Trim().Length is >= 1 and <= 200 && !name.Any(char.IsControl);
}
