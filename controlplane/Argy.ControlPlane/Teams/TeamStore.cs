using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Teams;

public sealed class TeamRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string? OrgId { get; init; }
    public string Name { get; init; } = "";
    public string NameKey { get; init; } = "";
    public string Description { get; init; } = "";
    public string? LeadUserId { get; init; }
    public string? ExternalId { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
}

public sealed record TeamProduct(string ProductId, string Name, string Permission);

public sealed record TeamMember(string UserId, string Email, string DisplayName);

/// <summary>The permission a team has on a product: read, write (deploy) or admin (deploy and manage).</summary>
public static class ProductPermission
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Read, Write, Admin];

    public static int Rank(string? permission) => permission switch { Admin => 3, Write => 2, Read => 1, _ => 0 };
}

/// <summary>
/// Teams, their members and the products they may use; every query is tenant-scoped. Changes run in the caller's
/// <see cref="Audit.AuditedWrite"/>: one API call may make several of them, and is one change with one record.
/// </summary>
public sealed class TeamStore(Database database, TimeProvider time)
{
    private long Now => UnixMs.From(time.GetUtcNow());

    public static string NameKey(string name) => name.Trim().ToLowerInvariant();

    internal TeamRow? Create(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string name, string description,
        string? leadUserId, string? externalId, string? orgId)
    {
        var now = Now;
        var row = new TeamRow
        {
            Id = Ids.New("team"),
            TenantId = scope.TenantId,
            OrgId = orgId,
            Name = name.Trim(),
            NameKey = NameKey(name),
            Description = description,
            LeadUserId = leadUserId,
            ExternalId = externalId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            connection.Execute(
                """
                INSERT INTO teams (id, tenant_id, org_id, name, name_key, description, lead_user_id, external_id, created_at, updated_at)
                VALUES (@Id, @TenantId, @OrgId, @Name, @NameKey, @Description, @LeadUserId, @ExternalId, @CreatedAt, @UpdatedAt)
                """,
                row, transaction);
            if (leadUserId is not null)
            {
                AddMember(connection, transaction, scope, row.Id, leadUserId, now);
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return null;
        }

        return row;
    }

    /// <summary>A team of the tenant; with <paramref name="org"/>, only if it belongs to that org (as lists do).</summary>
    public TeamRow? Get(TenantScope scope, string id, string? org = null)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<TeamRow>(
            "SELECT * FROM teams WHERE id = @id AND tenant_id = @tenant AND (@org IS NULL OR org_id = @org)", new { id, tenant = scope.TenantId, org });
    }

    public TeamRow? FindByName(TenantScope scope, string name)
    {
        using var connection = database.Open();
        return FindByName(connection, null, scope, name);
    }

    internal static TeamRow? FindByName(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string name) =>
        connection.QuerySingleOrDefault<TeamRow>(
            "SELECT * FROM teams WHERE name_key = @key AND tenant_id = @tenant", new { key = NameKey(name), tenant = scope.TenantId }, transaction);

    public IReadOnlyList<TeamRow> List(TenantScope scope, string? orgId = null, string? search = null)
    {
        using var connection = database.Open();
        return connection.Query<TeamRow>(
            """
            SELECT * FROM teams WHERE tenant_id = @tenant AND (@org IS NULL OR org_id = @org)
              AND (@search IS NULL OR instr(name_key, @search) > 0)
            ORDER BY name_key
            """,
            new { tenant = scope.TenantId, org = orgId, search = string.IsNullOrWhiteSpace(search) ? null : search.Trim().ToLowerInvariant() }).AsList();
    }

    internal bool Update(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string id, string? name, string? description,
        string? leadUserId, bool clearLead, string? externalId)
    {
        var now = Now;
        try
        {
            connection.Execute(
                """
                UPDATE teams SET
                    name = COALESCE(@name, name), name_key = COALESCE(@nameKey, name_key),
                    description = COALESCE(@description, description),
                    lead_user_id = CASE WHEN @clearLead THEN NULL ELSE COALESCE(@lead, lead_user_id) END,
                    external_id = COALESCE(@externalId, external_id),
                    updated_at = @now
                WHERE id = @id AND tenant_id = @tenant
                """,
                new { name = name?.Trim(), nameKey = name is null ? null : NameKey(name), description, lead = leadUserId, clearLead, externalId, now, id, tenant = scope.TenantId },
                transaction);
            if (leadUserId is not null)
            {
                AddMember(connection, transaction, scope, id, leadUserId, now);
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }

        return true;
    }

    internal static bool Delete(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id) =>
        connection.Execute("DELETE FROM teams WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId }, transaction) == 1;

    public IReadOnlyList<TeamMember> Members(TenantScope scope, string teamId)
    {
        using var connection = database.Open();
        return connection.Query<TeamMember>(
            """
            SELECT u.id AS UserId, u.email AS Email, u.display_name AS DisplayName FROM team_members m JOIN users u ON u.id = m.user_id AND u.tenant_id = m.tenant_id
            WHERE m.team_id = @teamId AND m.tenant_id = @tenant ORDER BY u.email_key
            """,
            new { teamId, tenant = scope.TenantId }).AsList();
    }

    internal void AddMember(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string teamId, string userId) =>
        AddMember(connection, transaction, scope, teamId, userId, Now);

    private static void AddMember(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string teamId, string userId, long now) =>
        connection.Execute(
            """
            INSERT INTO team_members (tenant_id, team_id, user_id, added_at)
            SELECT @tenant, t.id, u.id, @now FROM teams t JOIN users u ON u.tenant_id = t.tenant_id AND u.id = @userId
            WHERE t.id = @teamId AND t.tenant_id = @tenant
            ON CONFLICT DO NOTHING
            """,
            new { tenant = scope.TenantId, teamId, userId, now }, transaction);

    internal static bool RemoveMember(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string teamId, string userId)
    {
        var removed = connection.Execute(
            "DELETE FROM team_members WHERE team_id = @teamId AND user_id = @userId AND tenant_id = @tenant",
            new { teamId, userId, tenant = scope.TenantId }, transaction) == 1;
        connection.Execute(
            "UPDATE teams SET lead_user_id = NULL WHERE id = @teamId AND tenant_id = @tenant AND lead_user_id = @userId",
            new { teamId, userId, tenant = scope.TenantId }, transaction);
        return removed;
    }

    /// <summary>Makes the team's members exactly these users (ids of other tenants are ignored).</summary>
    internal void SetMembers(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string teamId, IReadOnlyCollection<string> userIds)
    {
        connection.Execute(
            "DELETE FROM team_members WHERE team_id = @teamId AND tenant_id = @tenant AND user_id NOT IN @userIds",
            new { teamId, tenant = scope.TenantId, userIds = userIds.ToArray() }, transaction);
        connection.Execute(
            "UPDATE teams SET lead_user_id = NULL WHERE id = @teamId AND tenant_id = @tenant AND lead_user_id NOT IN @userIds",
            new { teamId, tenant = scope.TenantId, userIds = userIds.ToArray() }, transaction);
        var now = Now;
        foreach (var userId in userIds)
        {
            AddMember(connection, transaction, scope, teamId, userId, now);
        }
    }

    /// <summary>Makes the user's teams exactly these (ids of other tenants are ignored).</summary>
    internal void SetUserTeams(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string userId, IReadOnlyCollection<string> teamIds)
    {
        connection.Execute(
            "DELETE FROM team_members WHERE user_id = @userId AND tenant_id = @tenant AND team_id NOT IN @teamIds",
            new { userId, tenant = scope.TenantId, teamIds = teamIds.ToArray() }, transaction);
        connection.Execute(
            "UPDATE teams SET lead_user_id = NULL WHERE tenant_id = @tenant AND lead_user_id = @userId AND id NOT IN @teamIds",
            new { userId, tenant = scope.TenantId, teamIds = teamIds.ToArray() }, transaction);
        var now = Now;
        foreach (var teamId in teamIds)
        {
            AddMember(connection, transaction, scope, teamId, userId, now);
        }
    }

    public IReadOnlyList<TeamRef> TeamsOf(TenantScope scope, string userId) =>
        TeamsOf(scope, [userId]).GetValueOrDefault(userId) ?? [];

    public IReadOnlyDictionary<string, IReadOnlyList<TeamRef>> TeamsOf(TenantScope scope, IReadOnlyCollection<string> userIds)
    {
        using var connection = database.Open();
        return connection.Query<(string UserId, string Id, string Name)>(
                """
                SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id AND t.tenant_id = m.tenant_id
                WHERE m.tenant_id = @tenant AND m.user_id IN @userIds ORDER BY t.name_key
                """,
                new { tenant = scope.TenantId, userIds = userIds.ToArray() })
            .GroupBy(r => r.UserId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TeamRef>)g.Select(r => new TeamRef(r.Id, r.Name)).ToList());
    }

    public IReadOnlyList<TeamProduct> Products(TenantScope scope, string teamId)
    {
        using var connection = database.Open();
        return connection.Query<TeamProduct>(
            """
            SELECT p.id AS ProductId, p.name AS Name, tp.permission AS Permission FROM team_products tp JOIN products p ON p.id = tp.product_id AND p.tenant_id = tp.tenant_id
            WHERE tp.team_id = @teamId AND tp.tenant_id = @tenant ORDER BY p.name
            """,
            new { teamId, tenant = scope.TenantId }).AsList();
    }

    internal static void Grant(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string teamId, string productId, string permission) =>
        connection.Execute(
            """
            INSERT INTO team_products (tenant_id, team_id, product_id, permission)
            SELECT @tenant, t.id, p.id, @permission FROM teams t JOIN products p ON p.tenant_id = t.tenant_id AND p.id = @productId
            WHERE t.id = @teamId AND t.tenant_id = @tenant
            ON CONFLICT (team_id, product_id) DO UPDATE SET permission = excluded.permission
            """,
            new { tenant = scope.TenantId, teamId, productId, permission }, transaction);

    internal static bool Ungrant(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string teamId, string productId) =>
        connection.Execute(
            "DELETE FROM team_products WHERE team_id = @teamId AND product_id = @productId AND tenant_id = @tenant",
            new { teamId, productId, tenant = scope.TenantId }, transaction) == 1;

    /// <summary>The strongest permission any of the user's teams has on the product, or null.</summary>
    public string? PermissionOf(TenantScope scope, string userId, string productId)
    {
        using var connection = database.Open();
        var permissions = connection.Query<string>(
            """
            SELECT tp.permission FROM team_products tp JOIN team_members m ON m.team_id = tp.team_id AND m.tenant_id = tp.tenant_id
            WHERE tp.tenant_id = @tenant AND tp.product_id = @productId AND m.user_id = @userId
            """,
            new { tenant = scope.TenantId, productId, userId });
        return permissions.OrderByDescending(ProductPermission.Rank).FirstOrDefault();
    }

    public int Count(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM teams WHERE tenant_id = @tenant", new { tenant = scope.TenantId });
    }
}
