using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Security;

/// <summary>Writes the batched refusals into the audit table (reads go through <see cref="Audit"/>'s query and export).</summary>
public sealed class AuditStore(Database database, AuditTrail trail)
{
    /// <summary>Appends queued refusals in one write transaction, each chained like every other record.</summary>
    public void Append(IReadOnlyList<AuditRecord> batch)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        foreach (var draft in batch)
        {
            trail.Insert(connection, transaction, draft);
        }

        transaction.Commit();
    }
}
