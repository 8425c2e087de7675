using System.Security.Claims;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Auth;

/// <summary>Who is calling: the tenant they act in, their credential id and their role.</summary>
public sealed record Caller(TenantScope Scope, string ActorId, string Role)
{
    public const string TenantClaim = "argy:tenant";
    public const string UserClaim = "argy:user";
    public const string OrgClaim = "argy:org";
    public const string ProductClaim = "argy:product";
    public const string SessionClaim = "argy:session";

    /// <summary>The user acting: a session's user or the owner of an API token; null for a service-account token.</summary>
    public string? UserId { get; init; }

    /// <summary>The org the credential is bound to, if any.</summary>
    public string? OrgId { get; init; }

    /// <summary>The product ids an API token is limited to; null when it is not limited.</summary>
    public IReadOnlyList<string>? ProductScope { get; init; }

    /// <summary>The session id when the caller signed in (session JWT).</summary>
    public string? SessionId { get; init; }

    public static Caller From(ClaimsPrincipal principal)
    {
        var products = principal.FindAll(ProductClaim).Select(c => c.Value).ToList();
        return new(
            TenantScope.Of(principal.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("The principal has no tenant.")),
            principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown",
            principal.FindFirstValue(ClaimTypes.Role) ?? "")
        {
            UserId = principal.FindFirstValue(UserClaim),
            OrgId = principal.FindFirstValue(OrgClaim),
            ProductScope = products.Count == 0 ? null : products,
            SessionId = principal.FindFirstValue(SessionClaim),
        };
    }
}

public static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) => Auth.Caller.From(context.User);
}
