using System.Globalization;
using Argy.ControlPlane.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Argy.ControlPlane.Llm;

public static class LlmEndpoints
{
    public const string QuotaName = "llm.monthly_credits";

    public static RouteGroupBuilder MapLlmEndpoints(this RouteGroupBuilder api)
    {
        var llm = api.MapGroup("/llm").WithTags("LLM credits");

        llm.MapGet("/quotas", (HttpContext c, LlmQuotaService s) => TypedResults.Ok(s.Get(c.Caller().Scope)))
            .RequireAuthorization(Permissions.SettingsRead).WithSummary("Monthly LLM credits per role and per user, billing time zone and alert thresholds");
        llm.MapPut("/quotas", (LlmQuotasRequest r, HttpContext c, LlmQuotaService s) => TypedResults.Ok(s.Set(c.Caller(), r)))
            .RequireAuthorization(Permissions.SettingsManage)
            .WithSummary("Change role quotas (credits; null = unlimited), time zone, thresholds, recipients or reservation lifetime; omitted fields are kept");
        llm.MapPut("/quotas/users/{userId}", (string userId, LlmUserQuotaRequest r, HttpContext c, LlmQuotaService s) => TypedResults.Ok(s.SetUser(c.Caller(), userId, r)))
            .RequireAuthorization(Permissions.SettingsManage).WithSummary("Override a user's monthly credits (a number, or unlimited: true)");
        llm.MapDelete("/quotas/users/{userId}", (string userId, HttpContext c, LlmQuotaService s) =>
            {
                s.ClearUser(c.Caller(), userId);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.SettingsManage).WithSummary("Remove a user's override: their role's quota applies again");

        llm.MapGet("/users/{userId}/credits", (string userId, HttpContext c, LlmCreditService s) => TypedResults.Ok(s.Balance(c.Caller().Scope, userId)))
            .RequireAuthorization(Permissions.LlmGateway).WithSummary("A user's quota, usage and outstanding reservations in the current billing month");

        llm.MapPost("/authorize", IResult (LlmAuthorizeRequest r, HttpContext c, LlmCreditService s) =>
            {
                var (reserved, refused) = s.Authorize(c.Caller().Scope, r);
                if (reserved is not null)
                {
                    return TypedResults.Created($"/api/v1/llm/reservations/{reserved.ReservationId}", reserved);
                }

                var wait = Math.Max(1, (long)Math.Ceiling((refused!.ResetsAt - s.Now).TotalSeconds));
                c.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
                var problem = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "LLM credit quota exceeded",
                    Detail = refused.Detail,
                    Instance = c.Request.Path,
                };
                problem.Extensions["quota"] = QuotaName;
                problem.Extensions["userId"] = refused.Balance.UserId;
                problem.Extensions["period"] = refused.Balance.Period;
                problem.Extensions["quotaTokens"] = refused.Balance.QuotaTokens;
                problem.Extensions["usedTokens"] = refused.Balance.UsedTokens;
                problem.Extensions["reservedTokens"] = refused.Balance.ReservedTokens;
                problem.Extensions["remainingTokens"] = refused.Balance.RemainingTokens;
                problem.Extensions["estimatedTokens"] = refused.EstimatedTokens;
                problem.Extensions["resetsAt"] = refused.ResetsAt;
                return TypedResults.Problem(problem);
            })
            .RequireAuthorization(Permissions.LlmGateway)
            .WithSummary("Reserve an estimate of tokens before an LLM request: 201 with a reservation, or 429 naming the quota (Retry-After: the next billing month)");
        llm.MapPost("/reservations/{id}/settle", (string id, LlmSettleRequest r, HttpContext c, LlmCreditService s) => TypedResults.Ok(s.Settle(c.Caller().Scope, id, r)))
            .RequireAuthorization(Permissions.LlmGateway).WithSummary("Record the real token counts of a reserved request (409 if already settled or released)");
        llm.MapPost("/reservations/{id}/release", (string id, HttpContext c, LlmCreditService s) =>
            {
                s.Release(c.Caller().Scope, id);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.LlmGateway).WithSummary("Give back a reservation whose request failed (409 if already settled or released)");
        llm.MapPost("/usage", IResult (LlmUsageRequest r, HttpContext c, LlmCreditService s) =>
            {
                var recorded = s.Record(c.Caller().Scope, r);
                return recorded.Repeated ? TypedResults.Ok(recorded) : TypedResults.Created($"/api/v1/llm/usage/{recorded.Usage.Id}", recorded);
            })
            .RequireAuthorization(Permissions.LlmGateway)
            .WithSummary("Record usage without a reservation; a repeated correlationId returns the first record (200) and counts nothing");

        return api;
    }
}
