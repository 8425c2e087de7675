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
    ApiTokenStore tokens)
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
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header must use the Bearer scheme."));
        }

        var row = tokens.Authenticate(header["Bearer ".Length..].Trim());
        if (row is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API token is unknown, expired or revoked."));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, row.Id),
                new Claim(ClaimTypes.Name, row.Name),
                new Claim(ClaimTypes.Role, row.Role),
                new Claim(Caller.TenantClaim, row.TenantId),
            ],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
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
