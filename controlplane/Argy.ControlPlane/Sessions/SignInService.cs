using Argy.ControlPlane.Audit;
using System.Net;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Email;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Sessions;

/// <summary>Passwordless sign-in: single-use links by email (invitation activation and magic links) exchanged for sessions.</summary>
public sealed partial class SignInService(
    UserStore users,
    TeamStore teams,
    TenantDirectory tenants,
    SessionService sessions,
    IEmailOutbox outbox,
    UserEmails emails,
    SignInPolicy policy,
    Security.AuditLog refusals,
    IOptions<UsersOptions> options,
    ILogger<SignInService> logger)
{
    /// <summary>Sends a sign-in link when the user exists and may sign in; says nothing either way.</summary>
    public void SendSignInLink(SignInLinkRequest request, IPAddress? ip)
    {
        var errors = new FieldErrors();
        errors.Require(!string.IsNullOrWhiteSpace(request.Tenant) && request.Tenant.Length <= 100, "tenant", "tenant (its id or name) is required.");
        errors.Require(UserValidation.IsEmail(request.Email), "email", "email is required.");
        errors.ThrowIfAny();

        var tenant = tenants.Find(request.Tenant!.Trim());
        if (tenant is null)
        {
            return;
        }

        var scope = TenantScope.Of(tenant.Id);
        policy.EnsureAddressAllowed(scope, ip, "sign-in link request");
        var user = users.FindByEmail(scope, request.Email!);
        if (user is null || !user.IsActive)
        {
            return;
        }

        if (!policy.MaySignInWithLink(scope, user))
        {
            LogRefusedBySso(logger, user.Id, tenant.Id);
            return;
        }

        if (users.CountOutstandingLinks(scope, user.Id, LinkPurpose.SignIn) >= options.Value.MaxOutstandingSignInLinks)
        {
            LogThrottled(logger, user.Id, tenant.Id);
            return;
        }

        var (token, expiresAt) = users.CreateLink(scope, user.Id, LinkPurpose.SignIn, options.Value.SignInLinkLifetime, voidEarlier: false,
            new AuditEntry(AuditActions.SignInLinkSent, AuditResources.User, user.Id, Detail: $"Sign-in link sent to {user.Email}."));
        outbox.Enqueue(emails.SignIn(user.Email, tenants.DisplayName(scope), token, expiresAt));
    }

    /// <summary>Uses up an activation or sign-in link and starts a session.</summary>
    public SignedInResponse Redeem(string purpose, LinkRedemptionRequest request, HttpContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Token))
        {
            throw ApiProblemException.Validation(new Dictionary<string, string[]> { ["token"] = ["token is required."] });
        }

        var redeemed = users.RedeemLink(purpose, request.Token.Trim());
        if (redeemed is null)
        {
            refusals.Refused((string?)null, new AuditEntry(AuditActions.LoginFailed, AuditResources.Session, null, AuditOutcome.Denied,
                $"A {purpose} link that is unknown, expired or already used was presented."));
            throw new ApiProblemException(StatusCodes.Status401Unauthorized, "Link not valid",
                "This link is unknown, expired or already used. Ask for a new one.");
        }

        var user = redeemed.User;
        var scope = TenantScope.Of(user.TenantId);
        policy.EnsureAddressAllowed(scope, context.Connection.RemoteIpAddress, "sign-in");
        var activate = purpose == LinkPurpose.Activation && user.Status == UserStatus.Invited;
        user = users.Get(scope, user.Id)!;
        if (!user.IsActive && !(activate && user.Status == UserStatus.Invited))
        {
            refusals.Refused(scope, new AuditEntry(AuditActions.LoginFailed, AuditResources.User, user.Id, AuditOutcome.Denied,
                $"{user.Email} presented a valid link but the account is {user.Status}."));
            throw new ApiProblemException(StatusCodes.Status401Unauthorized, "Link not valid", "The account is disabled.");
        }

        // Activation and the first session are one change, recorded as one sign-in.
        var issued = sessions.Start(user, purpose == LinkPurpose.Activation ? SignInMethod.Activation : SignInMethod.MagicLink,
            context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString(), activate);
        if (activate)
        {
            LogActivated(logger, user.Id, user.TenantId);
        }

        return Response(issued, teams);
    }

    public static SignedInResponse Response(IssuedSession issued, TeamStore teams)
    {
        var scope = TenantScope.Of(issued.User.TenantId);
        return new SignedInResponse(issued.AccessToken, "Bearer", issued.AccessTokenExpiresAt, scope.TenantId,
            SessionResponse.From(issued.Session), UserResponse.From(issued.User, teams.TeamsOf(scope, issued.User.Id)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} in tenant {TenantId} activated their account")]
    private static partial void LogActivated(ILogger logger, string userId, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in link for user {UserId} in tenant {TenantId} not sent: too many outstanding links")]
    private static partial void LogThrottled(ILogger logger, string userId, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in link for user {UserId} in tenant {TenantId} not sent: the tenant enforces SSO")]
    private static partial void LogRefusedBySso(ILogger logger, string userId, string tenantId);
}
