using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Storage;
using Dapper;

namespace Argy.ControlPlane.Tests.Deployments;

/// <summary>
/// Agents' reports are stored in batches, one transaction for many chunks and state changes: a state change
/// that fails is undone alone, and everything else in its batch is stored.
/// </summary>
public sealed class ReportBatchTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly TenantScope _tenant;

    public ReportBatchTests()
    {
        _tenant = TenantScope.Of(new TenantStore(_db.Database, TimeProvider.System).Create("a").Id);
        using var connection = _db.Database.Open();
        connection.Execute("CREATE TABLE marks (name TEXT NOT NULL)");
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public void A_failing_change_is_undone_alone_and_the_rest_of_its_batch_is_stored()
    {
        var logs = new LogStore(_db.Database);

        var result = logs.AppendBatch(
        [
            Chunk(1),
            Change((connection, transaction) => connection.Execute("INSERT INTO marks VALUES ('kept-1')", transaction: transaction) == 1),
            Change((connection, transaction) =>
            {
                connection.Execute("INSERT INTO marks VALUES ('undone')", transaction: transaction);
                throw new InvalidOperationException("audit record could not be written");
            }),
            Chunk(2),
            Change((connection, transaction) => connection.Execute("INSERT INTO marks VALUES ('kept-2')", transaction: transaction) == 1),
            Chunk(1),
        ]);

        result.Inserted.Should().Equal(true, false, false, true, false, false);
        result.Writes[1].Should().Be(new LogStore.ChangeOutcome(true, null));
        result.Writes[2].Error.Should().BeOfType<InvalidOperationException>();
        result.Writes[4].Changed.Should().BeTrue();
        using var check = _db.Database.Open();
        check.Query<string>("SELECT name FROM marks ORDER BY rowid").Should().Equal("kept-1", "kept-2");
        logs.Read(_tenant, "run_batch", 0, 10).Select(c => c.Seq).Should().Equal(1, 2);
    }

    private LogStore.BatchWrite Chunk(long seq) =>
        new(new NewLogChunk(_tenant, "run_batch", seq, 1, 0, new byte[] { (byte)'x' }), null);

    private static LogStore.BatchWrite Change(Func<Microsoft.Data.Sqlite.SqliteConnection, Microsoft.Data.Sqlite.SqliteTransaction, bool> change) =>
        new(default, change);
}
