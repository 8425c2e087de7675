using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Users;

public sealed record RedeemedLink(string LinkId, UserRow User);

/// <summary>Users and their one-time links. Every method is tenant-scoped except link redemption, which establishes the scope.</summary>
public sealed class UserStore(Database database, AuditTrail audit, TimeProvider time)
{
    private long Now => UnixMs.From(time.GetUtcNow());

    public static string EmailKey(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Creates the user, or returns null when the email (or external id) is already taken in the tenant.</summary>
    public UserRow? Create(TenantScope scope, NewUser user)
    {
        using var connection = database.Open();
        return Create(connection, null, scope, user);
    }

    internal UserRow? Create(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, NewUser user)
    {
        var now = Now;
        var row = new UserRow
        {
            Id = Ids.New("usr"),
            TenantId = scope.TenantId,
            OrgId = user.OrgId,
            Email = user.Email.Trim(),
            EmailKey = EmailKey(user.Email),
            DisplayName = user.DisplayName,
            GivenName = user.GivenName,
            FamilyName = user.FamilyName,
            ExternalId = user.ExternalId,
            Role = user.Role,
            Status = user.Status,
            SessionVersion = 1,
            Source = user.Source,
            CreatedAt = now,
            UpdatedAt = now,
            ActivatedAt = user.Status == UserStatus.Active ? now : null,
            DisabledAt = user.Status == UserStatus.Disabled ? now : null,
        };
        if (user.ExternalId is not null && connection.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM users WHERE tenant_id = @tenant AND external_id = @external",
                new { tenant = scope.TenantId, external = user.ExternalId }, transaction) > 0)
        {
            return null;
        }

        try
        {
            connection.Execute(
                """
                INSERT INTO users (id, tenant_id, org_id, email, email_key, display_name, given_name, family_name, external_id,
                                   role, status, session_version, source, created_at, updated_at, activated_at, disabled_at)
                VALUES (@Id, @TenantId, @OrgId, @Email, @EmailKey, @DisplayName, @GivenName, @FamilyName, @ExternalId,
                        @Role, @Status, @SessionVersion, @Source, @CreatedAt, @UpdatedAt, @ActivatedAt, @DisabledAt)
                """,
                row, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return null;
        }

        return row;
    }

    public UserRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<UserRow>(
            "SELECT * FROM users WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    public UserRow? FindByEmail(TenantScope scope, string email)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<UserRow>(
            "SELECT * FROM users WHERE email_key = @key AND tenant_id = @tenant", new { key = EmailKey(email), tenant = scope.TenantId });
    }

    public IReadOnlyList<UserRow> GetMany(TenantScope scope, IEnumerable<string> ids)
    {
        using var connection = database.Open();
        return connection.Query<UserRow>(
            "SELECT * FROM users WHERE tenant_id = @tenant AND id IN @ids", new { tenant = scope.TenantId, ids = ids.ToArray() }).AsList();
    }

    public (IReadOnlyList<UserRow> Items, int Total) List(TenantScope scope, UserQuery query)
    {
        const string Where = """
            WHERE u.tenant_id = @tenant
              AND (@status IS NULL OR u.status = @status)
              AND (@role IS NULL OR u.role = @role)
              AND (@org IS NULL OR u.org_id = @org)
              AND (@search IS NULL OR u.email_key LIKE @search ESCAPE '\' OR lower(u.display_name) LIKE @search ESCAPE '\'
                   OR lower(COALESCE(u.external_id, '')) LIKE @search ESCAPE '\')
              AND (@team IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = @team AND m.user_id = u.id AND m.tenant_id = u.tenant_id))
            """;
        var parameters = new
        {
            tenant = scope.TenantId,
            status = query.Status,
            role = query.Role,
            org = query.OrgId,
            team = query.TeamId,
            search = string.IsNullOrWhiteSpace(query.Search) ? null : "%" + EscapeLike(query.Search.Trim().ToLowerInvariant()) + "%",
            limit = query.Limit,
            offset = query.Offset,
        };
        using var connection = database.Open();
        var total = connection.ExecuteScalar<int>($"SELECT COUNT(*) FROM users u {Where}", parameters);
        var items = connection.Query<UserRow>($"SELECT u.* FROM users u {Where} ORDER BY u.email_key LIMIT @limit OFFSET @offset", parameters).AsList();
        return (items, total);
    }

    /// <summary>Applies profile changes; null leaves a field as it is. False when the email or external id is taken.</summary>
    internal bool UpdateProfile(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string id, string? email,
        string? displayName, string? givenName, string? familyName, string? externalId, bool clearExternalId)
    {
        if (externalId is not null && connection.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM users WHERE tenant_id = @tenant AND external_id = @external AND id <> @id",
                new { tenant = scope.TenantId, external = externalId, id }, transaction) > 0)
        {
            return false;
        }

        try
        {
            connection.Execute(
                """
                UPDATE users SET
                    email = COALESCE(@email, email),
                    email_key = COALESCE(@emailKey, email_key),
                    display_name = COALESCE(@displayName, display_name),
                    given_name = COALESCE(@givenName, given_name),
                    family_name = COALESCE(@familyName, family_name),
                    external_id = CASE WHEN @clear THEN NULL ELSE COALESCE(@externalId, external_id) END,
                    updated_at = @now
                WHERE id = @id AND tenant_id = @tenant
                """,
                new
                {
                    email = email?.Trim(),
                    emailKey = email is null ? null : EmailKey(email),
                    displayName,
                    givenName,
                    familyName,
                    externalId,
                    clear = clearExternalId,
                    now = Now,
                    id,
                    tenant = scope.TenantId,
                },
                transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }

        return true;
    }

    internal void SetRole(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, string role) =>
        connection.Execute(
            "UPDATE users SET role = @role, updated_at = @now WHERE id = @id AND tenant_id = @tenant",
            new { role, now = Now, id, tenant = scope.TenantId }, transaction);

    /// <summary>
    /// Moves a user to Active or Disabled. Disabling bumps the session version, revokes every session and voids
    /// unused links in one transaction, so nothing issued before it is accepted afterwards.
    /// </summary>
    public bool SetStatus(TenantScope scope, string id, string status, string reason, AuditEntry entry)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var changed = SetStatus(connection, transaction, scope, id, status, reason);
        audit.Append(connection, transaction, scope, entry);
        transaction.Commit();
        return changed;
    }

    internal bool SetStatus(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, string status, string reason)
    {
        var now = Now;
        var changed = connection.Execute(
            """
            UPDATE users SET
                status = @status,
                session_version = session_version + (CASE WHEN @status = 'Disabled' THEN 1 ELSE 0 END),
                disabled_at = CASE WHEN @status = 'Disabled' THEN @now ELSE NULL END,
                activated_at = CASE WHEN @status = 'Active' THEN COALESCE(activated_at, @now) ELSE activated_at END,
                updated_at = @now
            WHERE id = @id AND tenant_id = @tenant AND status <> @status
            """,
            new { status, now, id, tenant = scope.TenantId }, transaction) == 1;
        if (changed && status == UserStatus.Disabled)
        {
            RevokeSessions(connection, transaction, scope, id, reason, now);
            connection.Execute(
                "UPDATE user_links SET expires_at = @now WHERE user_id = @id AND tenant_id = @tenant AND used_at IS NULL AND expires_at > @now",
                new { now, id, tenant = scope.TenantId }, transaction);
        }

        return changed;
    }

    internal static int RevokeSessions(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string userId, string reason, long now) =>
        connection.Execute(
            """
            UPDATE sessions SET revoked_at = @now, revoke_reason = @reason
            WHERE user_id = @userId AND tenant_id = @tenant AND revoked_at IS NULL
            """,
            new { now, reason, userId, tenant = scope.TenantId }, transaction);

    public void RecordSignIn(TenantScope scope, string id)
    {
        using var connection = database.Open();
        connection.Execute("UPDATE users SET last_sign_in_at = @now WHERE id = @id AND tenant_id = @tenant", new { now = Now, id, tenant = scope.TenantId });
    }

    /// <summary>Deletes the user: sessions, links and memberships go with it, API tokens it owned are revoked.</summary>
    public bool Delete(TenantScope scope, string id, AuditEntry entry)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            "UPDATE api_tokens SET revoked_at = @now WHERE user_id = @id AND tenant_id = @tenant AND revoked_at IS NULL",
            new { now = Now, id, tenant = scope.TenantId }, transaction);
        var deleted = connection.Execute("DELETE FROM users WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId }, transaction) == 1;
        audit.Append(connection, transaction, scope, entry);
        transaction.Commit();
        return deleted;
    }

    public int CountActive(TenantScope scope, string role)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>(
            "SELECT COUNT(*) FROM users WHERE tenant_id = @tenant AND role = @role AND status = 'Active'", new { tenant = scope.TenantId, role });
    }

    public int Count(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM users WHERE tenant_id = @tenant", new { tenant = scope.TenantId });
    }

    /// <summary>Issues a single-use link for the user and voids the user's earlier unused links of the same purpose when asked.</summary>
    /// <remarks>With an <paramref name="entry"/>, issuing the link is the change itself and is audited with it.</remarks>
    public (string Token, DateTimeOffset ExpiresAt) CreateLink(TenantScope scope, string userId, string purpose, TimeSpan lifetime, bool voidEarlier,
        AuditEntry? entry = null)
    {
        var idPart = Ids.RandomText(16);
        var issued = OpaqueToken.Issue(LinkPurpose.Kind(purpose), idPart);
        var now = time.GetUtcNow();
        var expiresAt = now + lifetime;
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        if (voidEarlier)
        {
            connection.Execute(
                """
                UPDATE user_links SET expires_at = @now
                WHERE user_id = @userId AND tenant_id = @tenant AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
                """,
                new { now = UnixMs.From(now), userId, tenant = scope.TenantId, purpose }, transaction);
        }

        connection.Execute(
            """
            INSERT INTO user_links (id, tenant_id, user_id, purpose, secret_hash, created_at, expires_at)
            VALUES (@id, @tenant, @userId, @purpose, @hash, @now, @expires)
            """,
            new { id = "lnk_" + idPart, tenant = scope.TenantId, userId, purpose, hash = issued.SecretHash, now = UnixMs.From(now), expires = UnixMs.From(expiresAt) },
            transaction);
        if (entry is not null)
        {
            audit.Append(connection, transaction, scope, entry);
        }

        transaction.Commit();
        return (issued.Token, expiresAt);
    }

    public int CountOutstandingLinks(TenantScope scope, string userId, string purpose)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>(
            "SELECT COUNT(*) FROM user_links WHERE user_id = @userId AND tenant_id = @tenant AND purpose = @purpose AND used_at IS NULL AND expires_at > @now",
            new { userId, tenant = scope.TenantId, purpose, now = Now });
    }

    /// <summary>
    /// Uses up a link: null when it is unknown, forged, of another purpose, expired or already used. The conditional
    /// UPDATE makes two concurrent redemptions of one link end with one winner. Not tenant-filtered: the link establishes the tenant.
    /// </summary>
    public RedeemedLink? RedeemLink(string purpose, string presented)
    {
        if (!OpaqueToken.TryParse(LinkPurpose.Kind(purpose), presented, out var parsed))
        {
            return null;
        }

        var id = "lnk_" + parsed.Id;
        var now = Now;
        using var connection = database.Open();
        var link = connection.QuerySingleOrDefault<(string TenantId, string UserId, string Purpose, byte[] SecretHash, long ExpiresAt, long? UsedAt)?>(
            "SELECT tenant_id, user_id, purpose, secret_hash, expires_at, used_at FROM user_links WHERE id = @id", new { id });
        if (link is not { } l || l.Purpose != purpose || !OpaqueToken.Verify(parsed.Secret, l.SecretHash) || l.UsedAt is not null || l.ExpiresAt <= now)
        {
            return null;
        }

        if (connection.Execute(
                "UPDATE user_links SET used_at = @now WHERE id = @id AND tenant_id = @tenant AND used_at IS NULL AND expires_at > @now",
                new { now, id, tenant = l.TenantId }) != 1)
        {
            return null;
        }

        var user = connection.QuerySingleOrDefault<UserRow>(
            "SELECT * FROM users WHERE id = @id AND tenant_id = @tenant", new { id = l.UserId, tenant = l.TenantId });
        return user is null ? null : new RedeemedLink(id, user);
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
