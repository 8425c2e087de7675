using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// One change made of several store steps: a write transaction the steps run in, committed together with the
/// change's audit record by <see cref="Commit"/>. Disposed without a commit (a step threw, or the audit insert
/// failed), everything rolls back. Store methods that make a whole change on their own take the
/// <see cref="AuditEntry"/> instead and append it themselves.
/// </summary>
public sealed class AuditedWrite : IDisposable
{
    private readonly AuditTrail _trail;

    internal AuditedWrite(Database database, AuditTrail trail)
    {
        _trail = trail;
        Connection = database.Open();
        Transaction = Database.BeginWrite(Connection);
    }

    public SqliteConnection Connection { get; }

    public SqliteTransaction Transaction { get; }

    /// <summary>Appends the change's record and commits the change with it.</summary>
    public AuditRecord Commit(TenantScope? scope, AuditEntry entry, AuditActor? actor = null)
    {
        var record = _trail.Append(Connection, Transaction, scope, entry, actor);
        Transaction.Commit();
        return record;
    }

    public void Dispose()
    {
        Transaction.Dispose();
        Connection.Dispose();
    }
}

/// <summary>Starts <see cref="AuditedWrite"/>s.</summary>
public sealed class AuditedWrites(Database database, AuditTrail trail)
{
    public AuditedWrite Begin() => new(database, trail);
}
