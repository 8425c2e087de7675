using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;

namespace Argy.ControlPlane.Settings;

/// <summary>
/// Runs after authentication on every request made with a tenant's credential: the tenant's IP allow-list
/// (403 and an audit event for other addresses) and the x-org-id header (403 unless it names an org of the
/// caller's tenant that the credential is not kept out of).
/// </summary>
public sealed class RequestPolicyMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SignInPolicy policy, OrgStore orgs)
    {
        if (context.User.Identity?.IsAuthenticated != true || context.User.FindFirst(Caller.TenantClaim) is null)
        {
            await next(context);
            return;
        }

        var caller = context.Caller();
        var address = context.Connection.RemoteIpAddress;
        if (!policy.IsAddressAllowed(caller.Scope, address))
        {
            try
            {
                policy.EnsureAddressAllowed(caller.Scope, address, $"{context.Request.Method} {context.Request.Path}");
            }
            catch (ApiProblemException problem)
            {
                await ProblemWriter.WriteAsync(context, problem.Status, problem.Title, problem.Message);
                return;
            }
        }

        if (context.Request.Headers.TryGetValue(OrgEndpoints.Header, out var named) && !string.IsNullOrWhiteSpace(named))
        {
            var orgId = named.ToString();
            if ((caller.OrgId is not null && caller.OrgId != orgId) || orgs.Get(caller.Scope, orgId) is null)
            {
                await ProblemWriter.WriteAsync(context, StatusCodes.Status403Forbidden, "Org mismatch",
                    $"The {OrgEndpoints.Header} header names an org your credential does not belong to.");
                return;
            }
        }

        await next(context);
    }
}
