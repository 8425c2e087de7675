using System.Security.Claims;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Argy.ControlPlane.Sessions;

public sealed record IssuedSession(string AccessToken, DateTimeOffset AccessTokenExpiresAt, SessionRow Session, UserRow User);

public sealed record SessionCheck(ClaimsPrincipal? Principal, string? Failure);

/// <summary>
/// Sessions: a server-side record plus short-lived RS256 JWTs that point at it. Every request re-checks the
/// record, the user's status and session version, the session's absolute end and its inactivity limit, so
/// logging out, disabling the user or revoking the session takes effect on the very next request.
/// </summary>
public sealed partial class SessionService(
    SessionStore sessions,
    UserStore users,
    AuditedWrites writes,
    SigningKeys keys,
    TenantSettingsStore settings,
    IOptions<SessionsOptions> options,
    TimeProvider time,
    ILogger<SessionService> logger)
{
    public const string Audience = "argy-api";
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Signs the user in; with <paramref name="activate"/>, an invited user's account is activated by the same change.</summary>
    public IssuedSession Start(UserRow user, string method, string? ip, string? userAgent, bool activate = false)
    {
        var scope = TenantScope.Of(user.TenantId);
        var security = settings.Get(scope, SettingsSections.Security, SecuritySettings.Default);
        var session = sessions.Create(scope, user, method, ip, userAgent, security.SessionDuration, security.InactivityTimeout, security.MaxSessionsPerUser, activate);
        if (activate && user.Status == Users.UserStatus.Invited)
        {
            user = users.Get(scope, user.Id) ?? user;
        }

        LogStarted(logger, session.Id, user.Id, user.TenantId, method);
        return Issue(scope, session, user);
    }

    /// <summary>A fresh access token for the caller's session, while the session itself lasts.</summary>
    public IssuedSession Refresh(TenantScope scope, string sessionId)
    {
        var session = sessions.Get(scope, sessionId) ?? throw new InvalidOperationException("The session vanished.");
        var user = users.Get(scope, session.UserId) ?? throw new InvalidOperationException("The session's user vanished.");
        var issued = Issue(scope, session, user);
        // Nothing is stored by a refresh, but issuing a credential is an authentication event: recorded before it is handed out.
        using var write = writes.Begin();
        write.Commit(scope, new AuditEntry(AuditActions.SessionRefreshed, AuditResources.Session, session.Id,
            Detail: $"Access token issued until {issued.AccessTokenExpiresAt:O}."));
        return issued;
    }

    private IssuedSession Issue(TenantScope scope, SessionRow session, UserRow user)
    {
        var now = time.GetUtcNow();
        var expires = Min(now + options.Value.AccessTokenLifetime, UnixMs.To(session.ExpiresAt));
        var key = keys.Current(scope);
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id,
                [JwtRegisteredClaimNames.Jti] = Security.Ids.RandomText(16),
                ["tid"] = scope.TenantId,
                ["sid"] = session.Id,
                ["ver"] = session.UserVersion,
            },
        });
        return new IssuedSession(token, expires, session, user);
    }

    /// <summary>Checks a presented session JWT and the records behind it; the principal carries the user's current role.</summary>
    public async Task<SessionCheck> AuthenticateAsync(string token)
    {
        if (!Handler.CanReadToken(token))
        {
            return Failed("The bearer token is not a valid session token.");
        }

        JsonWebToken jwt;
        try
        {
            jwt = Handler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return Failed("The bearer token is not a valid session token.");
        }

        if (!jwt.TryGetPayloadValue<string>("tid", out var tenantId) || string.IsNullOrWhiteSpace(tenantId)
            || !jwt.TryGetPayloadValue<string>("sid", out var sessionId) || string.IsNullOrEmpty(jwt.Kid))
        {
            return Failed("The session token is missing its tenant, session or key id.");
        }

        var scope = TenantScope.Of(tenantId);
        var key = keys.Find(scope, jwt.Kid);
        if (key is null)
        {
            return Failed("The session token is not signed by this control plane.");
        }

        var validation = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = options.Value.Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // Lifetime is checked below against the injected clock.
            ValidateLifetime = false,
        });
        if (!validation.IsValid)
        {
            return Failed("The session token's signature, issuer or audience is not valid.");
        }

        var now = time.GetUtcNow();
        if (jwt.ValidTo <= now.UtcDateTime)
        {
            return Failed("The session token has expired: refresh it or sign in again.");
        }

        var session = sessions.Get(scope, sessionId);
        var user = session is null ? null : users.Get(scope, session.UserId);
        var nowMs = UnixMs.From(now);
        var security = settings.Get(scope, SettingsSections.Security, SecuritySettings.Default);
        var failure = session is null || user is null ? "The session no longer exists."
            : session.RevokedAt is not null ? $"The session was ended ({session.RevokeReason ?? "revoked"})."
            : session.ExpiresAt <= nowMs ? "The session has reached its maximum duration: sign in again."
            : session.LastSeenAt + (long)security.InactivityTimeout.TotalMilliseconds <= nowMs ? "The session ended after inactivity: sign in again."
            : user.Status != UserStatus.Active ? "The user is disabled."
            : user.SessionVersion != session.UserVersion ? "The session was issued before the user's access changed: sign in again."
            : null;
        if (failure is not null)
        {
            return Failed(failure);
        }

        // Last activity at a precision of a tenth of the inactivity limit (at most a minute): not a write per request.
        var precision = Math.Min(60_000, (long)security.InactivityTimeout.TotalMilliseconds / 10);
        if (nowMs - session!.LastSeenAt >= precision)
        {
            sessions.Touch(scope, session.Id, nowMs);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user!.Id),
                new Claim(ClaimTypes.Name, user.Email),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(Caller.TenantClaim, scope.TenantId),
                new Claim(Caller.UserClaim, user.Id),
                new Claim(Caller.SessionClaim, session.Id),
            ],
            ArgySchemes.Session);
        if (user.OrgId is not null)
        {
            identity.AddClaim(new Claim(Caller.OrgClaim, user.OrgId));
        }

        return new SessionCheck(new ClaimsPrincipal(identity), null);
    }

    public bool End(TenantScope scope, string sessionId, string reason)
    {
        var ended = sessions.Revoke(scope, sessionId, reason);
        if (ended)
        {
            LogEnded(logger, sessionId, scope.TenantId, reason);
        }

        return ended;
    }

    private static SessionCheck Failed(string reason) => new(null, reason);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} started for user {UserId} in tenant {TenantId} ({Method})")]
    private static partial void LogStarted(ILogger logger, string sessionId, string userId, string tenantId, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} in tenant {TenantId} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string sessionId, string tenantId, string reason);
}
