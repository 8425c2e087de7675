using System.Security.Claims;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Auth;

/// <summary>Who is calling: the tenant they act in, their credential id and their role.</summary>
public sealed record Caller(TenantScope Scope, string ActorId, string Role)
{
    public const string TenantClaim = "argy:tenant";

    public static Caller From(ClaimsPrincipal principal) =>
        new(
            TenantScope.Of(principal.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("The principal has no tenant.")),
            principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown",
            principal.FindFirstValue(ClaimTypes.Role) ?? "");
}

public static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) => Auth.Caller.From(context.User);
}
