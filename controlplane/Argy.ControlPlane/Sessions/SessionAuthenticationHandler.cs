using System.Text.Encodings.Web;
using Argy.ControlPlane.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Sessions;

/// <summary>Authenticates <c>Authorization: Bearer &lt;session JWT&gt;</c> against the session's record on every request.</summary>
public sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionService sessions,
    Security.AuditLog refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var check = await sessions.AuthenticateAsync(header["Bearer ".Length..].Trim());
        if (check.Principal is null)
        {
            // A refused credential changes nothing: it is queued for the audit trail, not written in the request.
            var reason = check.Failure ?? "The session is not valid.";
            refusals.Refused((string?)null, new Audit.AuditEntry(Audit.AuditActions.TokenRefused, Audit.AuditResources.Session, null, Audit.AuditOutcome.Denied, reason));
            return AuthenticateResult.Fail(reason);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(check.Principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", failure ?? "Sign in again.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this action.");
}
