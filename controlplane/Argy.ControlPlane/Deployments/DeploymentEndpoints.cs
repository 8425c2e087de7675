using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Quotas;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argy.ControlPlane.Deployments;

public static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeploymentEndpoints(this RouteGroupBuilder api)
    {
        var deployments = api.MapGroup("/deployments").WithTags("Deployments");

        deployments.MapPost("/", async Task<Results<Accepted<DeploymentResponse>, EmptyHttpResult>> (
                SubmitDeploymentRequest request, HttpContext context, DeploymentService service) =>
            {
                try
                {
                    var run = service.Submit(context.Caller(), request);
                    return TypedResults.Accepted($"/api/v1/deployments/{run.RunId}", run);
                }
                catch (QuotaExceededException e)
                {
                    // Answered here rather than by the exception handler, which clears the response's headers.
                    context.Response.Headers.RetryAfter = e.Breach.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await ProblemWriter.WriteAsync(context, e.Status, e.Title, e.Message);
                    return TypedResults.Empty;
                }
            })
            .RequireAuthorization(Permissions.DeploymentsCreate)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Submit a deployment; it is dispatched to a matching agent at once, waits queued, or waits for approval (PendingApproval). 429 with Retry-After over a deployment quota");

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
            .WithSummary("Cancel a deployment: queued runs and runs waiting for approval end at once, running ones are killed on their agent");

        return api;
    }
}
