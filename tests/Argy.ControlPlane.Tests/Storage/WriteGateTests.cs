using System.Diagnostics;
using Argy.ControlPlane.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Tests.Storage;

/// <summary>
/// Writers of one process take turns on the database's write lock: however a write transaction ends, the next
/// writer gets the lock at once, and concurrent writers all get through without "database is locked".
/// </summary>
public sealed class WriteGateTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public WriteGateTests()
    {
        using var connection = _db.Database.Open();
        connection.Execute("CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);");
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public void The_write_lock_passes_on_after_a_commit_a_rollback_a_failed_statement_and_a_closed_connection()
    {
        Ending("commit", (connection, transaction) =>
        {
            connection.Execute("UPDATE counter SET n = n + 1", transaction: transaction);
            transaction.Commit();
        });
        Ending("disposed without commit", (connection, transaction) =>
            connection.Execute("UPDATE counter SET n = n + 100", transaction: transaction));
        Ending("explicit rollback", (connection, transaction) => transaction.Rollback());
        Ending("failed statement, then disposed", (connection, transaction) =>
        {
            var act = () => connection.Execute("INSERT INTO no_such_table VALUES (1)", transaction: transaction);
            act.Should().Throw<SqliteException>();
        });

        // The transaction is never disposed: closing its connection ends it.
        var leaked = _db.Database.Open();
        Database.BeginWrite(leaked);
        leaked.Dispose();
        NextWriterIsNotKeptWaiting("closed connection");

        using var check = _db.Database.Open();
        check.ExecuteScalar<long>("SELECT n FROM counter").Should().Be(1, "only the committed change is kept");
    }

    [Fact]
    public async Task Concurrent_writers_all_get_through_and_none_is_lost()
    {
        const int writers = 16;
        const int each = 40;
        using var start = new Barrier(writers);
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < each; i++)
            {
                using var connection = _db.Database.Open();
                using var transaction = Database.BeginWrite(connection);
                var n = connection.ExecuteScalar<long>("SELECT n FROM counter", transaction: transaction);
                connection.Execute("UPDATE counter SET n = @n", new { n = n + 1 }, transaction);
                transaction.Commit();
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        using var check = _db.Database.Open();
        check.ExecuteScalar<long>("SELECT n FROM counter").Should().Be(writers * each, "each read-then-write ran alone");
    }

    [Fact]
    public async Task Statements_on_other_connections_while_a_write_transaction_is_open_do_not_free_its_turn()
    {
        using var holder = _db.Database.Open();
        using var transaction = Database.BeginWrite(holder);
        holder.Execute("UPDATE counter SET n = 5", transaction: transaction);

        // Statements finishing on another connection (reads, in WAL mode, go ahead) must not hand the turn on.
        using (var reader = _db.Database.Open())
        {
            reader.ExecuteScalar<long>("SELECT n FROM counter").Should().Be(0);
        }

        var waiting = Task.Run(() =>
        {
            using var next = _db.Database.Open();
            using var second = Database.BeginWrite(next);
            var seen = next.ExecuteScalar<long>("SELECT n FROM counter", transaction: second);
            second.Commit();
            return seen;
        });
        (await Task.WhenAny(waiting, Task.Delay(300))).Should().NotBe(waiting, "the second writer waits while the first is open");

        transaction.Commit();
        (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(5, "it ran after the first committed");
    }

    private void Ending(string how, Action<SqliteConnection, SqliteTransaction> body)
    {
        using (var connection = _db.Database.Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            body(connection, transaction);
        }

        NextWriterIsNotKeptWaiting(how);
    }

    private void NextWriterIsNotKeptWaiting(string after)
    {
        var clock = Stopwatch.StartNew();
        var next = Task.Run(() =>
        {
            using var connection = _db.Database.Open();
            using var transaction = Database.BeginWrite(connection);
            transaction.Commit();
        });
        next.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue($"the write lock is free again after: {after}");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }
}
