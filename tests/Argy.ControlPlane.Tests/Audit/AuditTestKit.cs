using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit;

/// <summary>Writes records through the real <see cref="AuditTrail"/> and tampers with the SQLite file behind the control plane's back.</summary>
internal static class AuditTestKit
{
    public static AuditRecord Append(this TestControlPlane controlPlane, AuditEntry entry, string? tenantId = null, AuditActor? actor = null)
    {
        var database = controlPlane.Services.GetRequiredService<Database>();
        var trail = controlPlane.Services.GetRequiredService<AuditTrail>();
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var record = trail.Append(connection, transaction, TenantScope.Of(tenantId ?? controlPlane.TenantId), entry, actor);
        transaction.Commit();
        return record;
    }

    public static List<AuditRecord> AppendMany(this TestControlPlane controlPlane, int count, string? tenantId = null) =>
        Enumerable.Range(1, count)
            .Select(i => controlPlane.Append(new AuditEntry("product.created", "product", $"prd_{i}", Detail: $"Product {i} created"), tenantId))
            .ToList();

    /// <summary>Runs SQL on the database file through a connection of its own, as someone with file access would.</summary>
    public static int Tamper(this TestControlPlane controlPlane, string sql, object? parameters = null)
    {
        var path = controlPlane.Services.GetRequiredService<Database>().Path;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection.Execute(sql, parameters);
    }

    public static T Scalar<T>(this TestControlPlane controlPlane, string sql, object? parameters = null)
    {
        using var connection = controlPlane.Services.GetRequiredService<Database>().Open();
        return connection.ExecuteScalar<T>(sql, parameters)!;
    }

    /// <summary>How many records a tenant has: starting a control plane or creating a tenant may already write some.</summary>
    public static long RecordCount(this TestControlPlane controlPlane, string? tenantId = null) =>
        controlPlane.Scalar<long>("SELECT COUNT(*) FROM audit_events WHERE tenant_id = @tenant", new { tenant = tenantId ?? controlPlane.TenantId });

    public static async Task<JsonObject> VerifyAsync(this TestControlPlane controlPlane, HttpClient? client = null) =>
        await TestControlPlane.Json(await (client ?? controlPlane.Admin()).GetAsync("/api/v1/audit-events/verify"), 200);
}
