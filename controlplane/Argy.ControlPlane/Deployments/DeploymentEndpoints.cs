using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.Deployments;

public static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeploymentEndpoints(this RouteGroupBuilder api)
    {
        var deployments = api.MapGroup("/deployments").WithTags("Deployments");

        deployments.MapPost("/", (SubmitDeploymentRequest request, HttpContext context, DeploymentService service) =>
            {
                var run = service.Submit(context.Caller(), request);
                return TypedResults.Accepted($"/api/v1/deployments/{run.RunId}", run);
            })
            .RequireAuthorization(Permissions.DeploymentsCreate)
            .WithSummary("Submit a deployment; it is dispatched to a matching agent at once or waits queued");

        deployments.MapGet("/", (string? status, int? limit, HttpContext context, DeploymentService service) =>
                TypedResults.Ok(new Agents.ItemsResponse<DeploymentResponse>(service.List(context.Caller().Scope, status, limit))))
            .RequireAuthorization(Permissions.DeploymentsRead)
            .WithSummary("List deployments, newest first");

        deployments.MapGet("/{runId}", (string runId, HttpContext context, DeploymentService service) =>
                TypedResults.Ok(service.Get(context.Caller().Scope, runId)))
            .RequireAuthorization(Permissions.DeploymentsRead)
            .WithSummary("Get a deployment's status, exit code, agent and times");

        deployments.MapGet("/{runId}/logs", (string runId, bool? follow, long? after, HttpContext context, LogStreamer streamer, CancellationToken cancellationToken) =>
                streamer.StreamAsync(context, runId, follow ?? false, after ?? 0, cancellationToken))
            .RequireAuthorization(Permissions.DeploymentsRead)
            .WithSummary("A run's output: raw text, or NDJSON chunks with Accept: application/x-ndjson; follow=true streams until the run ends");

        deployments.MapPost("/{runId}/cancel", (string runId, HttpContext context, DeploymentService service) =>
                TypedResults.Accepted($"/api/v1/deployments/{runId}", service.Cancel(context.Caller(), runId)))
            .RequireAuthorization(Permissions.DeploymentsCancel)
            .WithSummary("Cancel a deployment: queued runs end at once, running ones are killed on their agent");

        return api;
    }
}
