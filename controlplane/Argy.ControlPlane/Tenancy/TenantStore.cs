using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Dapper;

namespace Argy.ControlPlane.Tenancy;

public sealed record Tenant(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>Tenants themselves: the one table whose rows are created outside any tenant scope.</summary>
public sealed class TenantStore(Database database, TimeProvider time)
{
    public Tenant Create(string name)
    {
        var id = Ids.New("ten");
        var now = time.GetUtcNow();
        using var connection = database.Open();
        connection.Execute(
            "INSERT INTO tenants (id, tenant_id, name, created_at) VALUES (@id, @id, @name, @now)",
            new { id, name, now = UnixMs.From(now) });
        return new Tenant(id, name, now);
    }

    public bool Any()
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM tenants") > 0;
    }

    public Tenant? FindByName(string name)
    {
        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<(string Id, string Name, long CreatedAt)?>(
            "SELECT id, name, created_at FROM tenants WHERE name = @name", new { name });
        return row is { } r ? new Tenant(r.Id, r.Name, UnixMs.To(r.CreatedAt)) : null;
    }
}
