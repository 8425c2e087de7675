using System.Security.Claims;
using System.Text.Encodings.Web;
using Argy.ControlPlane.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer argy_pat_...</c>. Every request re-reads the token's record, so a
/// revoked or expired token is refused from the very next request on.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenStore tokens,
    Users.UserStore users,
    Security.AuditLog refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(null, null, "The Authorization header must use the Bearer scheme.");
        }

        var row = tokens.Authenticate(header["Bearer ".Length..].Trim());
        if (row is null)
        {
            return Refuse(null, null, "The API token is unknown, expired or revoked.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, row.Id),
                new Claim(ClaimTypes.Name, row.Name),
                new Claim(ClaimTypes.Role, row.Role),
                new Claim(Caller.TenantClaim, row.TenantId),
            ],
            SchemeName);
        if (row.UserId is not null)
        {
            // A user's token lives and dies with the user: refused while they are disabled, and never worth more than their role.
            var owner = users.Get(Tenancy.TenantScope.Of(row.TenantId), row.UserId);
            if (owner is null || !owner.IsActive)
            {
                return Refuse(row.TenantId, row.Id, "The API token's owner is disabled or no longer exists.");
            }

            if (!Permissions.Covers(owner.Role, row.Role))
            {
                return Refuse(row.TenantId, row.Id, $"The API token's role {row.Role} exceeds its owner's role {owner.Role}.");
            }

            identity.AddClaim(new Claim(Caller.UserClaim, row.UserId));
        }

        if (row.OrgId is not null)
        {
            identity.AddClaim(new Claim(Caller.OrgClaim, row.OrgId));
        }

        foreach (var product in Storage.Json.ReadList(row.Products))
        {
            identity.AddClaim(new Claim(Caller.ProductClaim, product));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>A refused credential changes nothing: it is queued for the audit trail, not written in the request.</summary>
    private Task<AuthenticateResult> Refuse(string? tenantId, string? tokenId, string reason)
    {
        refusals.Refused(tenantId, new Audit.AuditEntry(Audit.AuditActions.TokenRefused, Audit.AuditResources.Token, tokenId, Audit.AuditOutcome.Denied, reason),
            tokenId is null ? null : new Audit.AuditActor(Audit.AuditActorType.Token, tokenId));
        return Task.FromResult(AuthenticateResult.Fail(reason));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            failure ?? "This endpoint needs an API token: send Authorization: Bearer <token>.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden",
            "Your credential's role does not allow this action.");
}
