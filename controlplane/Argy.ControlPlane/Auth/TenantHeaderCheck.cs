using Argy.ControlPlane.Problems;

namespace Argy.ControlPlane.Auth;

/// <summary>
/// A request that names its tenant (x-tenant-id) must name the caller's own: a script pointed at the wrong
/// tenant is told so instead of silently acting on another one.
/// </summary>
public sealed class TenantHeaderCheck : IEndpointFilter
{
    public const string Header = "x-tenant-id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.IsAuthenticated == true
            && http.Request.Headers.TryGetValue(Header, out var named)
            && !string.Equals(named.ToString(), http.Caller().Scope.TenantId, StringComparison.Ordinal))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "Tenant mismatch",
                $"The {Header} header names a tenant your credential does not belong to.");
        }

        return await next(context);
    }
}
