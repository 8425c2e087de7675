using Argy.ControlPlane.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Support;

/// <summary>An audit record as stored, with the fields the REST listing does not show (resource, data).</summary>
public sealed record AuditRow(string Action, string Outcome, string ActorType, string Actor, string? ResourceType, string? ResourceId, string Detail, string? Data);

public static class AuditRows
{
    /// <summary>The tenant's audit records of one action, oldest first, read from the control plane's database file.</summary>
    public static List<AuditRow> Of(TestControlPlane controlPlane, string action)
    {
        using var connection = controlPlane.Services.GetRequiredService<Database>().Open();
        return connection.Query<AuditRow>(
            """
            SELECT action AS Action, outcome AS Outcome, actor_type AS ActorType, actor AS Actor, resource_type AS ResourceType,
                   resource_id AS ResourceId, detail AS Detail, data AS Data
              FROM audit_events WHERE tenant_id = @tenant AND action = @action ORDER BY seq
            """,
            new { tenant = controlPlane.TenantId, action }).AsList();
    }
}
