using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Dapper;

namespace Argy.ControlPlane.Sessions;

/// <summary>Server-side session records: what makes a session JWT revocable.</summary>
public sealed class SessionStore(Database database, AuditTrail audit, TimeProvider time)
{
    public const string EvictedReason = "evicted: the user reached the maximum number of sessions";

    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>
    /// Starts a session (a sign-in: <c>session.started</c>, by the user); when the user then holds more than
    /// <paramref name="maxSessions"/> live ones, the oldest are revoked. With <paramref name="activate"/>, an invited
    /// user becomes active in the same transaction.
    /// </summary>
    public SessionRow Create(TenantScope scope, UserRow user, string method, string? ip, string? userAgent, TimeSpan duration, TimeSpan inactivity, int maxSessions,
        bool activate = false)
    {
        var now = Now;
        var row = new SessionRow
        {
            Id = Ids.New("ses"),
            TenantId = scope.TenantId,
            UserId = user.Id,
            UserVersion = user.SessionVersion,
            Method = method,
            Ip = ip,
            UserAgent = userAgent is { Length: > 256 } ? userAgent[..256] : userAgent,
            CreatedAt = now,
            ExpiresAt = now + (long)duration.TotalMilliseconds,
            LastSeenAt = now,
        };
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            """
            INSERT INTO sessions (id, tenant_id, user_id, user_version, method, ip, user_agent, created_at, expires_at, last_seen_at)
            VALUES (@Id, @TenantId, @UserId, @UserVersion, @Method, @Ip, @UserAgent, @CreatedAt, @ExpiresAt, @LastSeenAt)
            """,
            row, transaction);
        connection.Execute(
            """
            UPDATE sessions SET revoked_at = @now, revoke_reason = @reason
            WHERE id IN (
                SELECT id FROM sessions
                WHERE tenant_id = @tenant AND user_id = @user AND revoked_at IS NULL AND expires_at > @now AND last_seen_at > @idleBefore
                ORDER BY created_at DESC, id DESC
                LIMIT -1 OFFSET @max)
            """,
            new { now, reason = EvictedReason, tenant = scope.TenantId, user = user.Id, idleBefore = now - (long)inactivity.TotalMilliseconds, max = maxSessions },
            transaction);
        connection.Execute("UPDATE users SET last_sign_in_at = @now WHERE id = @id AND tenant_id = @tenant", new { now, id = user.Id, tenant = scope.TenantId }, transaction);
        var activated = activate && connection.Execute(
            """
            UPDATE users SET status = 'Active', activated_at = COALESCE(activated_at, @now), updated_at = @now
            WHERE id = @id AND tenant_id = @tenant AND status = 'Invited'
            """,
            new { now, id = user.Id, tenant = scope.TenantId }, transaction) == 1;
        audit.Append(connection, transaction, scope,
            new AuditEntry(AuditActions.SessionStarted, AuditResources.Session, row.Id,
                Detail: activated ? $"{user.Email} activated their account and signed in." : $"{user.Email} signed in ({method}).",
                Data: new Dictionary<string, string?> { ["method"] = method, ["userId"] = user.Id, ["activated"] = activated ? "true" : null }),
            new AuditActor(AuditActorType.User, user.Id, user.OrgId));
        transaction.Commit();
        return row;
    }

    public SessionRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<SessionRow>(
            "SELECT * FROM sessions WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    public IReadOnlyList<SessionRow> ListForUser(TenantScope scope, string userId)
    {
        using var connection = database.Open();
        return connection.Query<SessionRow>(
            "SELECT * FROM sessions WHERE tenant_id = @tenant AND user_id = @userId ORDER BY created_at DESC, id DESC LIMIT 200",
            new { tenant = scope.TenantId, userId }).AsList();
    }

    public void Touch(TenantScope scope, string id, long at)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE sessions SET last_seen_at = @at WHERE id = @id AND tenant_id = @tenant AND last_seen_at < @at",
            new { at, id, tenant = scope.TenantId });
    }

    /// <summary>Ends one session (<c>session.ended</c>); false when it had already ended.</summary>
    public bool Revoke(TenantScope scope, string id, string reason)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var revoked = connection.Execute(
            "UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL",
            new { now = Now, reason, id, tenant = scope.TenantId }, transaction) == 1;
        if (revoked)
        {
            audit.Append(connection, transaction, scope,
                new AuditEntry(AuditActions.SessionEnded, AuditResources.Session, id, Detail: $"Session ended: {reason}."));
        }

        transaction.Commit();
        return revoked;
    }

    /// <summary>Ends every session of a user (<c>user.sessions.revoked</c>).</summary>
    public int RevokeAllForUser(TenantScope scope, string userId, string reason)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var count = UserStore.RevokeSessions(connection, transaction, scope, userId, reason, Now);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.SessionsRevoked, AuditResources.User, userId,
            Detail: $"{count} session(s) ended: {reason}.", Data: new Dictionary<string, string?> { ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        transaction.Commit();
        return count;
    }
}
