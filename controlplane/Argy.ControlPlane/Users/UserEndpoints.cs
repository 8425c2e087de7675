using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Sessions;

namespace Argy.ControlPlane.Users;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");

        users.MapPost("/", (InviteUserRequest request, HttpContext context, UserService service) =>
            {
                var invited = service.Invite(context.Caller(), request);
                return TypedResults.Created($"/api/v1/users/{invited.User.Id}", invited);
            })
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Invite a user: creates them as Invited and emails a single-use, expiring activation link");

        users.MapGet("/", (string? search, string? status, string? role, string? team, int? limit, int? offset, HttpContext context, UserService service) =>
                TypedResults.Ok(service.List(context.Caller().Scope, search, status, role, team, context.EffectiveOrg(), limit, offset)))
            .RequireAuthorization(Permissions.UsersRead)
            .WithSummary("List users; search matches email, name and external id; filter by status, role or team");

        users.MapGet("/{id}", (string id, HttpContext context, UserService service) => TypedResults.Ok(service.Get(context.Caller().Scope, id)))
            .RequireAuthorization(Permissions.UsersRead)
            .WithSummary("Get a user with their teams");

        users.MapPatch("/{id}", (string id, UpdateUserRequest request, HttpContext context, UserService service) =>
                TypedResults.Ok(service.Update(context.Caller(), id, request)))
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Change a user's role, teams, display name or status (Active or Disabled)");

        users.MapPost("/{id}/disable", (string id, HttpContext context, UserService service) => TypedResults.Ok(service.Disable(context.Caller(), id)))
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Disable a user: every session and API token of theirs is refused from the next request on");

        users.MapPost("/{id}/enable", (string id, HttpContext context, UserService service) => TypedResults.Ok(service.Enable(context.Caller(), id)))
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Enable a disabled user again (their sessions stay ended; their API tokens work again)");

        users.MapPost("/{id}/resend-invitation", (string id, HttpContext context, UserService service) =>
                TypedResults.Ok(service.ResendInvitation(context.Caller(), id)))
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Send a new activation link to an invited user; earlier links stop working");

        users.MapDelete("/{id}", (string id, HttpContext context, UserService service) =>
            {
                service.Delete(context.Caller(), id);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("Delete a user: sessions end, API tokens they own are revoked");

        users.MapGet("/{id}/sessions", (string id, HttpContext context, UserStore store, SessionStore sessions) =>
            {
                var scope = context.Caller().Scope;
                _ = store.Get(scope, id) ?? throw ApiProblemException.NotFound("user", id);
                return TypedResults.Ok(new ItemsResponse<SessionResponse>(sessions.ListForUser(scope, id).Select(SessionResponse.From).ToList()));
            })
            .RequireAuthorization(Permissions.UsersRead)
            .WithSummary("A user's sessions, newest first");

        users.MapPost("/{id}/sessions/revoke", (string id, HttpContext context, UserStore store, SessionStore sessions) =>
            {
                var caller = context.Caller();
                _ = store.Get(caller.Scope, id) ?? throw ApiProblemException.NotFound("user", id);
                return TypedResults.Ok(new RevokedSessionsResponse(sessions.RevokeAllForUser(caller.Scope, id, $"signed out by {caller.ActorId}")));
            })
            .RequireAuthorization(Permissions.UsersManage)
            .WithSummary("End every session of a user (they can sign in again)");

        return api;
    }
}
