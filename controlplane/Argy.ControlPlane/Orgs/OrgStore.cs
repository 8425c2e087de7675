using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Orgs;

public sealed class OrgRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
}

/// <summary>Organizations inside a tenant (business units): users, tokens, teams and products may belong to one.</summary>
public sealed class OrgStore(Database database, AuditTrail audit, TimeProvider time)
{
    public OrgRow? Create(TenantScope scope, string name, string description)
    {
        var now = UnixMs.From(time.GetUtcNow());
        var row = new OrgRow { Id = Ids.New("org"), TenantId = scope.TenantId, Name = name, Description = description, CreatedAt = now, UpdatedAt = now };
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        try
        {
            connection.Execute(
                "INSERT INTO orgs (id, tenant_id, name, description, created_at, updated_at) VALUES (@Id, @TenantId, @Name, @Description, @CreatedAt, @UpdatedAt)",
                row, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return null;
        }

        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.OrgCreated, AuditResources.Org, row.Id, Detail: $"Org '{name}' created."));
        transaction.Commit();
        return row;
    }

    public OrgRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<OrgRow>("SELECT * FROM orgs WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    public IReadOnlyList<OrgRow> List(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.Query<OrgRow>("SELECT * FROM orgs WHERE tenant_id = @tenant ORDER BY name", new { tenant = scope.TenantId }).AsList();
    }

    /// <summary>False when the new name is taken.</summary>
    public bool Update(TenantScope scope, string id, string? name, string? description)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        try
        {
            connection.Execute(
                "UPDATE orgs SET name = COALESCE(@name, name), description = COALESCE(@description, description), updated_at = @now WHERE id = @id AND tenant_id = @tenant",
                new { name, description, now = UnixMs.From(time.GetUtcNow()), id, tenant = scope.TenantId }, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }

        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.OrgUpdated, AuditResources.Org, id,
            Detail: $"Org {id} updated.", Data: new Dictionary<string, string?> { ["name"] = name, ["description"] = description }));
        transaction.Commit();
        return true;
    }

    /// <summary>False when something still belongs to the org (or it does not exist).</summary>
    public bool Delete(TenantScope scope, string id)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        try
        {
            if (connection.Execute("DELETE FROM orgs WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId }, transaction) != 1)
            {
                return false;
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }

        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.OrgDeleted, AuditResources.Org, id, Detail: $"Org {id} deleted."));
        transaction.Commit();
        return true;
    }
}
