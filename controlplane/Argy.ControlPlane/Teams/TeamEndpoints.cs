using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;

namespace Argy.ControlPlane.Teams;

public static class TeamEndpoints
{
    public static RouteGroupBuilder MapTeamEndpoints(this RouteGroupBuilder api)
    {
        var teams = api.MapGroup("/teams").WithTags("Teams");

        teams.MapPost("/", (CreateTeamRequest request, HttpContext context, TeamService service) =>
            {
                var team = service.Create(context.Caller(), request, context.EffectiveOrg());
                return TypedResults.Created($"/api/v1/teams/{team.Id}", team);
            })
            .RequireAuthorization(Permissions.TeamsManage)
            .WithSummary("Create a team with its lead, members and product permissions");

        teams.MapGet("/", (string? search, HttpContext context, TeamService service) =>
                TypedResults.Ok(new ItemsResponse<TeamResponse>(service.List(context.Caller().Scope, context.EffectiveOrg(), search))))
            .RequireAuthorization(Permissions.TeamsRead)
            .WithSummary("List teams");

        teams.MapGet("/{id}", (string id, HttpContext context, TeamService service) => TypedResults.Ok(service.Get(context.Caller().Scope, id, context.EffectiveOrg())))
            .RequireAuthorization(Permissions.TeamsRead)
            .WithSummary("Get a team with its members and products");

        teams.MapPatch("/{id}", (string id, UpdateTeamRequest request, HttpContext context, TeamService service) =>
                TypedResults.Ok(service.Update(context.Caller(), id, request)))
            .RequireAuthorization(Permissions.TeamsManage)
            .WithSummary("Rename a team, change its description or lead (\"\" removes the lead)");

        teams.MapDelete("/{id}", (string id, HttpContext context, TeamService service) =>
            {
                service.Delete(context.Caller(), id);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.TeamsManage)
            .WithSummary("Delete a team; its members lose the product permissions it gave");

        teams.MapPut("/{id}/members/{userId}", (string id, string userId, HttpContext context, TeamService service) =>
                TypedResults.Ok(service.AddMember(context.Caller(), id, userId)))
            .RequireAuthorization(Permissions.TeamsManage)
            .WithSummary("Add a member");

        teams.MapDelete("/{id}/members/{userId}", (string id, string userId, HttpContext context, TeamService service) =>
                TypedResults.Ok(service.RemoveMember(context.Caller(), id, userId)))
            .RequireAuthorization(Permissions.TeamsManage)
            .WithSummary("Remove a member");

        teams.MapPut("/{id}/products/{productId}", (string id, string productId, GrantRequest request, HttpContext context, TeamService service) =>
                TypedResults.Ok(service.Grant(context.Caller(), id, productId, request)))
            .RequireAuthorization(Permissions.ProductsManage)
            .WithSummary("Give the team read, write (deploy) or admin permission on a product");

        teams.MapDelete("/{id}/products/{productId}", (string id, string productId, HttpContext context, TeamService service) =>
                TypedResults.Ok(service.Ungrant(context.Caller(), id, productId)))
            .RequireAuthorization(Permissions.ProductsManage)
            .WithSummary("Take a product away from the team");

        return api;
    }
}
