using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.Usage;

public static class UsageEndpoints
{
    public static RouteGroupBuilder MapUsageEndpoints(this RouteGroupBuilder api)
    {
        var usage = api.MapGroup("/usage").WithTags("Usage");

        usage.MapGet("/llm", (string? by, string? from, string? to, HttpContext c, UsageReports r) => TypedResults.Ok(r.Llm(c.Caller().Scope, by, from, to)))
            .RequireAuthorization(Permissions.UsageRead).WithSummary("LLM tokens, credits and requests by user or by model (default: the last 30 days)");
        usage.MapGet("/deployments", (string? by, string? from, string? to, HttpContext c, UsageReports r) => TypedResults.Ok(r.Deployments(c.Caller().Scope, by, from, to)))
            .RequireAuthorization(Permissions.UsageRead).WithSummary("Deployments by product: count, succeeded, failed, cancelled, active (default: the last 30 days)");
        usage.MapGet("/trend", (int? days, HttpContext c, UsageReports r) => TypedResults.Ok(r.Trend(c.Caller().Scope, days)))
            .RequireAuthorization(Permissions.UsageRead).WithSummary("Daily deployments and LLM tokens over the last days (default 30) in the tenant's billing time zone, every day present");

        return api;
    }
}
