using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Products;

public sealed class ProductRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string? OrgId { get; init; }
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string CreatedBy { get; init; } = "";
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }

    /// <summary>The approval rule (JSON list of tags; empty = every deployment), or null when no approval is needed.</summary>
    public string? Approval { get; init; }
}

public sealed record ProductTeam(string TeamId, string Name, string Permission);

/// <summary>Products: what deployments deploy. Names are unique in a tenant and never change (runs refer to them).</summary>
public sealed class ProductStore(Database database, AuditTrail audit, TimeProvider time)
{
    private long Now => UnixMs.From(time.GetUtcNow());

    /// <summary>Creates the product (<c>product.created</c>); null when the name is taken.</summary>
    public ProductRow? Create(TenantScope scope, string name, string description, string createdBy, string? orgId)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var row = Create(connection, transaction, scope, name, description, createdBy, orgId);
        if (row is not null)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.ProductCreated, AuditResources.Product, row.Id,
                Detail: $"Product '{row.Name}' created.", Data: new Dictionary<string, string?> { ["name"] = row.Name, ["orgId"] = orgId }));
            transaction.Commit();
        }

        return row;
    }

    internal ProductRow? Create(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string name, string description,
        string createdBy, string? orgId)
    {
        var now = Now;
        var row = new ProductRow
        {
            Id = Ids.New("prd"),
            TenantId = scope.TenantId,
            OrgId = orgId,
            Name = name,
            Description = description,
            CreatedBy = createdBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            connection.Execute(
                """
                INSERT INTO products (id, tenant_id, org_id, name, description, created_by, created_at, updated_at)
                VALUES (@Id, @TenantId, @OrgId, @Name, @Description, @CreatedBy, @CreatedAt, @UpdatedAt)
                """,
                row, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return null;
        }

        return row;
    }

    /// <summary>The product with this name, created on the spot when it does not exist yet.</summary>
    public ProductRow Ensure(TenantScope scope, string name, string createdBy, string? orgId) =>
        FindByName(scope, name) ?? Create(scope, name, "", createdBy, orgId) ?? FindByName(scope, name)
        ?? throw new InvalidOperationException("A product vanished right after it was written.");

    /// <summary>A product of the tenant; with <paramref name="org"/>, only if it belongs to that org (as lists do).</summary>
    public ProductRow? Get(TenantScope scope, string id, string? org = null)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ProductRow>(
            "SELECT * FROM products WHERE id = @id AND tenant_id = @tenant AND (@org IS NULL OR org_id = @org)", new { id, tenant = scope.TenantId, org });
    }

    public ProductRow? FindByName(TenantScope scope, string name)
    {
        using var connection = database.Open();
        return FindByName(connection, null, scope, name);
    }

    internal static ProductRow? FindByName(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string name) =>
        connection.QuerySingleOrDefault<ProductRow>(
            "SELECT * FROM products WHERE name = @name AND tenant_id = @tenant", new { name, tenant = scope.TenantId }, transaction);

    public IReadOnlyList<ProductRow> List(TenantScope scope, string? orgId = null)
    {
        using var connection = database.Open();
        return connection.Query<ProductRow>(
            "SELECT * FROM products WHERE tenant_id = @tenant AND (@org IS NULL OR org_id = @org) ORDER BY name",
            new { tenant = scope.TenantId, org = orgId }).AsList();
    }

    public void Update(TenantScope scope, string id, string? description)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            "UPDATE products SET description = COALESCE(@description, description), updated_at = @now WHERE id = @id AND tenant_id = @tenant",
            new { description, now = Now, id, tenant = scope.TenantId }, transaction);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.ProductUpdated, AuditResources.Product, id,
            Detail: $"Product {id} updated.", Data: new Dictionary<string, string?> { ["description"] = description }));
        transaction.Commit();
    }

    public bool Delete(TenantScope scope, string id)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var deleted = connection.Execute("DELETE FROM products WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId }, transaction) == 1;
        if (deleted)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.ProductDeleted, AuditResources.Product, id, Detail: $"Product {id} deleted."));
        }

        transaction.Commit();
        return deleted;
    }

    public IReadOnlyList<ProductTeam> Teams(TenantScope scope, string productId)
    {
        using var connection = database.Open();
        return connection.Query<ProductTeam>(
            """
            SELECT t.id AS TeamId, t.name AS Name, tp.permission AS Permission FROM team_products tp JOIN teams t ON t.id = tp.team_id AND t.tenant_id = tp.tenant_id
            WHERE tp.product_id = @productId AND tp.tenant_id = @tenant ORDER BY t.name_key
            """,
            new { productId, tenant = scope.TenantId }).AsList();
    }

    public int Count(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>("SELECT COUNT(*) FROM products WHERE tenant_id = @tenant", new { tenant = scope.TenantId });
    }
}
