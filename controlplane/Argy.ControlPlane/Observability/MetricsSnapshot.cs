using Argy.ControlPlane.Storage;
using Dapper;

namespace Argy.ControlPlane.Observability;

/// <summary>Fills the gauges that are cheaper to read from the database at scrape time than to track on every change.</summary>
public sealed class MetricsSnapshot(Database database)
{
    private static readonly string[] Statuses = ["Connected", "Disconnected", "Error", "Pending", "Revoked"];

    public void Refresh()
    {
        using var connection = database.Open();
        // Operational totals across tenants: the scrape endpoint is the operator's, not a tenant's.
        var agents = connection.Query<(string Status, long Count)>("SELECT status, COUNT(*) FROM agents GROUP BY status")
            .ToDictionary(r => r.Status, r => r.Count);
        foreach (var status in Statuses)
        {
            ArgyMetrics.Agents.WithLabels(status).Set(agents.GetValueOrDefault(status));
        }

        foreach (var tenant in ArgyMetrics.QueueDepth.GetAllLabelValues())
        {
            ArgyMetrics.QueueDepth.WithLabels(tenant).Set(0);
        }

        foreach (var (tenant, count) in connection.Query<(string Tenant, long Count)>(
                     "SELECT tenant_id, COUNT(*) FROM deployments WHERE status = 'Queued' GROUP BY tenant_id"))
        {
            ArgyMetrics.QueueDepth.WithLabels(tenant).Set(count);
        }
    }
}
