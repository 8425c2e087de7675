using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Hosting;
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

        return api;
    }

    /// <summary>The gRPC address to give an enrolling agent: configured, or the host it reached us by plus the gRPC port.</summary>
    private static string GrpcUrlFor(HttpContext context, BoundEndpoints bound, AgentsOptions options)
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
