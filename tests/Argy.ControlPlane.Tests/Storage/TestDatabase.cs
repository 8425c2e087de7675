using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Tests.Storage;

/// <summary>A real SQLite file in a temporary directory, migrated like the control plane does at start.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "argy-db-" + Guid.NewGuid().ToString("N")[..12]);

    public TestDatabase()
    {
        Directory.CreateDirectory(_directory);
        Database = new Database(Path.Combine(_directory, "argy.db"));
        Migrations.Apply(Database);
    }

    public Database Database { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
