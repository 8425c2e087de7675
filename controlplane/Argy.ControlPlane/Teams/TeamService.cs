using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Teams;

/// <summary>Teams: name, description, lead, members and the products they may use.</summary>
public sealed partial class TeamService(TeamStore teams, UserStore users, ProductStore products, ResourceQuotas quotas, ILogger<TeamService> logger)
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
        var team = teams.Create(caller.Scope, request.Name!, request.Description ?? "", lead?.Id, null, orgId)
            ?? throw ApiProblemException.Conflict($"A team named '{request.Name}' already exists.");
        foreach (var member in members)
        {
            teams.AddMember(caller.Scope, team.Id, member.Id);
        }

        foreach (var (productId, permission) in grants)
        {
            teams.Grant(caller.Scope, team.Id, productId, permission);
        }

        LogCreated(logger, team.Id, caller.Scope.TenantId, caller.ActorId);
        return Get(caller.Scope, team.Id);
    }

    public TeamResponse Get(TenantScope scope, string id)
    {
        var team = Find(scope, id);
        return TeamResponse.From(team, teams.Members(scope, id), teams.Products(scope, id));
    }

    public IReadOnlyList<TeamResponse> List(TenantScope scope, string? orgId, string? search) =>
        teams.List(scope, orgId, search).Select(t => TeamResponse.From(t, teams.Members(scope, t.Id), teams.Products(scope, t.Id))).ToList();

    public TeamResponse Update(Caller caller, string id, UpdateTeamRequest request)
    {
        Find(caller.Scope, id);
        var errors = new FieldErrors();
        errors.Require(request.Name is null || TeamValidation.IsName(request.Name), "name", "name must be 1-200 characters without control characters.");
        errors.Require(request.Description is null || request.Description.Length <= 1000, "description", "description is at most 1000 characters.");
        var lead = string.IsNullOrEmpty(request.Lead) ? null : User(caller.Scope, request.Lead, "lead", errors);
        errors.ThrowIfAny();
        if (!teams.Update(caller.Scope, id, request.Name, request.Description, lead?.Id, clearLead: request.Lead == "", null))
        {
            throw ApiProblemException.Conflict($"A team named '{request.Name}' already exists.");
        }

        return Get(caller.Scope, id);
    }

    public void Delete(Caller caller, string id)
    {
        Find(caller.Scope, id);
        teams.Delete(caller.Scope, id);
        LogDeleted(logger, id, caller.Scope.TenantId, caller.ActorId);
    }

    public TeamResponse AddMember(Caller caller, string id, string userId)
    {
        Find(caller.Scope, id);
        var user = users.Get(caller.Scope, userId) ?? throw ApiProblemException.NotFound("user", userId);
        teams.AddMember(caller.Scope, id, user.Id);
        return Get(caller.Scope, id);
    }

    public TeamResponse RemoveMember(Caller caller, string id, string userId)
    {
        Find(caller.Scope, id);
        if (!teams.RemoveMember(caller.Scope, id, userId))
        {
            throw ApiProblemException.NotFound("member of this team", userId);
        }

        return Get(caller.Scope, id);
    }

    public TeamResponse Grant(Caller caller, string id, string productId, GrantRequest request)
    {
        Find(caller.Scope, id);
        var product = products.Get(caller.Scope, productId) ?? throw ApiProblemException.NotFound("product", productId);
        if (request.Permission is null || !ProductPermission.All.Contains(request.Permission))
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]>
            {
                ["permission"] = [$"permission must be one of: {string.Join(", ", ProductPermission.All)}."],
            });
        }

        teams.Grant(caller.Scope, id, product.Id, request.Permission);
        LogGranted(logger, id, product.Id, request.Permission, caller.Scope.TenantId, caller.ActorId);
        return Get(caller.Scope, id);
    }

    public TeamResponse Ungrant(Caller caller, string id, string productId)
    {
        Find(caller.Scope, id);
        if (!teams.Ungrant(caller.Scope, id, productId))
        {
            throw ApiProblemException.NotFound("product of this team", productId);
        }

        return Get(caller.Scope, id);
    }

    private TeamRow Find(TenantScope scope, string id) => teams.Get(scope, id) ?? throw ApiProblemException.NotFound("team", id);

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
