using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Sessions;

public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Sign-in and sessions");

        auth.MapPost("/magic-link", (SignInLinkRequest request, HttpContext context, SignInService service) =>
            {
                service.SendSignInLink(request, context.Connection.RemoteIpAddress);
                return TypedResults.Accepted((string?)null, new AcceptedResponse(
                    "If the address belongs to an active user of the tenant, a sign-in link is on its way."));
            })
            .AllowAnonymous()
            .WithSummary("Email a single-use sign-in link; the answer is the same whether or not the user exists");

        auth.MapPost("/magic-link/redeem", (LinkRedemptionRequest request, HttpContext context, SignInService service) =>
                TypedResults.Ok(service.Redeem(LinkPurpose.SignIn, request, context)))
            .AllowAnonymous()
            .WithSummary("Exchange a sign-in link's token for a session (the link works once)");

        auth.MapPost("/activate", (LinkRedemptionRequest request, HttpContext context, SignInService service) =>
                TypedResults.Ok(service.Redeem(LinkPurpose.Activation, request, context)))
            .AllowAnonymous()
            .WithSummary("Activate an invited account with its activation link's token and start a session");

        auth.MapPost("/refresh", (HttpContext context, SessionService sessions, TeamStore teams) =>
            {
                var caller = RequireSession(context);
                var issued = sessions.Refresh(caller.Scope, caller.SessionId!);
                return TypedResults.Ok(SignInService.Response(issued, teams));
            })
            .RequireAuthorization()
            .WithSummary("A fresh access token for the current session, while the session lasts");

        auth.MapPost("/logout", (HttpContext context, SessionService sessions) =>
            {
                var caller = RequireSession(context);
                sessions.End(caller.Scope, caller.SessionId!, "signed out");
                return TypedResults.NoContent();
            })
            .RequireAuthorization()
            .WithSummary("End the current session");

        var me = api.MapGroup("/me").WithTags("Sign-in and sessions").RequireAuthorization();

        me.MapGet("/", (HttpContext context, UserStore users, TeamStore teams, SessionStore sessions) =>
            {
                var caller = context.Caller();
                var user = caller.UserId is { } userId ? users.Get(caller.Scope, userId) : null;
                var session = caller.SessionId is { } sessionId ? sessions.Get(caller.Scope, sessionId) : null;
                return TypedResults.Ok(new MeResponse(
                    caller.Scope.TenantId,
                    caller.Role,
                    Permissions.Of(caller.Role),
                    session is null ? "api-token" : "session",
                    caller.ActorId,
                    user is null ? null : UserResponse.From(user, teams.TeamsOf(caller.Scope, user.Id)),
                    session is null ? null : SessionResponse.From(session)));
            })
            .WithSummary("Who the caller is: tenant, role, permissions, user and session");

        me.MapGet("/sessions", (HttpContext context, SessionStore sessions) =>
            {
                var caller = context.Caller();
                var userId = caller.UserId ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "Invalid request",
                    "This credential belongs to no user, so it has no sessions.");
                return TypedResults.Ok(new ItemsResponse<SessionResponse>(sessions.ListForUser(caller.Scope, userId).Select(SessionResponse.From).ToList()));
            })
            .WithSummary("The caller's own sessions");

        me.MapDelete("/sessions/{id}", (string id, HttpContext context, SessionStore store, SessionService sessions) =>
            {
                var caller = context.Caller();
                var session = store.Get(caller.Scope, id);
                if (session is null || session.UserId != caller.UserId)
                {
                    throw ApiProblemException.NotFound("session", id);
                }

                sessions.End(caller.Scope, id, "signed out");
                return TypedResults.NoContent();
            })
            .WithSummary("End one of the caller's own sessions");

        return api;
    }

    private static Caller RequireSession(HttpContext context)
    {
        var caller = context.Caller();
        return caller.SessionId is null
            ? throw new ApiProblemException(StatusCodes.Status400BadRequest, "Invalid request", "This needs a session token, not an API token.")
            : caller;
    }
}
