using System.Security.Claims;
using System.Text.Encodings.Web;
using Argy.ControlPlane.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Scim;

/// <summary>Authenticates the tenant's SCIM bearer token; it grants the SCIM endpoints and nothing else.</summary>
public sealed class ScimAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ScimTokenStore tokens,
    Security.AuditLog refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string ScimClaim = "argy:scim";
    public const string Policy = "scim";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var row = tokens.Authenticate(header["Bearer ".Length..].Trim());
        if (row is null)
        {
            // A refused credential changes nothing: it is queued for the audit trail, not written in the request.
            refusals.Refused((string?)null, new Audit.AuditEntry(Audit.AuditActions.TokenRefused, Audit.AuditResources.ScimToken, null, Audit.AuditOutcome.Denied,
                "The SCIM token is unknown or revoked."));
            return Task.FromResult(AuthenticateResult.Fail("The SCIM token is unknown or revoked."));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, row.Id),
                new Claim(ClaimTypes.Name, "scim"),
                new Claim(Caller.TenantClaim, row.TenantId),
                new Claim(ScimClaim, "true"),
            ],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await ScimErrors.Result(401, failure ?? "SCIM needs the tenant's SCIM token: Authorization: Bearer argy_scim_...").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Request.Path.StartsWithSegments("/scim", StringComparison.OrdinalIgnoreCase)
            ? ScimErrors.Result(403, "This credential may not use SCIM.").ExecuteAsync(Context)
            : Problems.ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", "A SCIM token is for the SCIM endpoints (/scim/v2) only.");
}
