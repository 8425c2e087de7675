using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Dapper;

namespace Argy.ControlPlane.Sessions;

/// <summary>Server-side session records: what makes a session JWT revocable.</summary>
public sealed class SessionStore(Database database, TimeProvider time)
{
    public const string EvictedReason = "evicted: the user reached the maximum number of sessions";

    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>Starts a session; when the user then holds more than <paramref name="maxSessions"/> live ones, the oldest are revoked.</summary>
    public SessionRow Create(TenantScope scope, UserRow user, string method, string? ip, string? userAgent, TimeSpan duration, TimeSpan inactivity, int maxSessions)
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

    public bool Revoke(TenantScope scope, string id, string reason)
    {
        using var connection = database.Open();
        return connection.Execute(
            "UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL",
            new { now = Now, reason, id, tenant = scope.TenantId }) == 1;
    }

    public int RevokeAllForUser(TenantScope scope, string userId, string reason)
    {
        using var connection = database.Open();
        return UserStore.RevokeSessions(connection, null, scope, userId, reason, Now);
    }
}
