using System.Security.Cryptography;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Gateway;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Problems;
using Argy.Protocol.Signing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Agents;

public static class AgentEndpoints
{
    public static RouteGroupBuilder MapAgentEndpoints(this RouteGroupBuilder api)
    {
        var agents = api.MapGroup("/agents").WithTags("Agents");

        agents.MapPost("/", (CreateAgentRequest request, HttpContext context, AgentService service) =>
            {
                var created = service.Create(context.Caller().Scope, request);
                return TypedResults.Created($"/api/v1/agents/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.AgentsManage)
            .WithSummary("Create an agent and get its one-time enrollment token");

        agents.MapGet("/", (HttpContext context, AgentService service) =>
                TypedResults.Ok(new ItemsResponse<AgentResponse>(service.List(context.Caller().Scope))))
            .RequireAuthorization(Permissions.AgentsRead)
            .WithSummary("List agents with their status, last activity and version");

        agents.MapGet("/{id}", (string id, HttpContext context, AgentService service) =>
                TypedResults.Ok(service.Get(context.Caller().Scope, id)))
            .RequireAuthorization(Permissions.AgentsRead)
            .WithSummary("Get one agent");

        agents.MapPost("/{id}/revoke", (string id, HttpContext context, AgentService service) =>
                TypedResults.Ok(service.Revoke(context.Caller().Scope, id)))
            .RequireAuthorization(Permissions.AgentsManage)
            .WithSummary("Revoke an agent: its stream is closed and its credential refused from now on");

        agents.MapPost("/enroll", (EnrollRequest request, HttpContext context, AgentService service, BoundEndpoints bound, IOptions<AgentsOptions> options) =>
                TypedResults.Ok(service.Enroll(request, GrpcUrlFor(context, bound, options.Value))))
            .AllowAnonymous()
            .WithSummary("Exchange a one-time enrollment token for the agent's credential");

        agents.MapPost("/{id}/credentials/rotate", RotateAsync)
            .AllowAnonymous()
            .WithSummary("Called by the agent itself, authenticated by its current credential: issue a new one; the old one works for the grace period");

        return api;
    }

    /// <summary>
    /// Authenticated by the agent's own credential, not an API token: an API key in the authorization header,
    /// or the request signed with the agent's HMAC key (method, path and body are covered).
    /// </summary>
    private static async Task<IResult> RotateAsync(string id, HttpContext context, AgentAuthenticator authenticator, AgentService service)
    {
        var body = await AgentRequestBody.ReadAsync(context.Request, context.RequestAborted);
        var target = SigningScheme.HttpTarget(context.Request.Method, context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "");
        var ip = context.Connection.RemoteIpAddress?.ToString();
        var result = authenticator.Authenticate(
            name => context.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            target, SHA256.HashData(body), ip, target);
        if (result.Identity is null)
        {
            throw new ApiProblemException(
                result.Revoked ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized,
                result.Revoked ? "Agent revoked" : "Unauthorized", result.Reason);
        }

        if (result.Identity.Agent.Id != id)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "Forbidden", "An agent can rotate only its own credential.");
        }

        return TypedResults.Ok(service.Rotate(result.Identity));
    }

    /// <summary>The gRPC address to give an enrolling agent: configured, or the host it reached us by plus the gRPC port.</summary>
    internal static string GrpcUrlFor(HttpContext context, BoundEndpoints bound, AgentsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicGrpcUrl))
        {
            return options.PublicGrpcUrl;
        }

        var port = bound.Grpc?.Port ?? 8081;
        var host = context.Request.Host.Host;
        return new UriBuilder(Uri.UriSchemeHttp, host, port).Uri.ToString().TrimEnd('/');
    }
}
