using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Security;

public sealed record AuditEventResponse(
    long Seq, DateTimeOffset At, string Action, string Outcome, string Actor, string? Subject, string? SourceIp, string Detail)
{
    public static AuditEventResponse From(AuditEventRow row) =>
        new(row.Seq, UnixMs.To(row.At), row.Action, row.Outcome, row.Actor, row.Subject, row.SourceIp, row.Detail);
}

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audit-events", (string? action, int? limit, HttpContext context, AuditStore store) =>
            {
                var errors = new FieldErrors();
                errors.Require(limit is null or (>= 1 and <= 1000), "limit", "limit must be between 1 and 1000.");
                errors.ThrowIfAny();
                var rows = store.List(context.Caller().Scope, string.IsNullOrWhiteSpace(action) ? null : action, limit ?? 100);
                return TypedResults.Ok(new ItemsResponse<AuditEventResponse>(rows.Select(AuditEventResponse.From).ToList()));
            })
            .WithTags("Audit")
            .RequireAuthorization(Permissions.AuditRead)
            .WithSummary("Security decisions of your tenant, newest first (enrollments, approvals, revocations, rejected credentials)");
        return api;
    }
}
