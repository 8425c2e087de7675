using Argy.ControlPlane.Storage;
using Dapper;

namespace Argy.ControlPlane.Tests.Storage;

public sealed class MigrationsTests
{
    [Fact]
    public void Applying_migrations_twice_is_a_no_op_and_records_the_version()
    {
        using var db = new TestDatabase();

        Migrations.Apply(db.Database).Should().Be(Migrations.Latest);

        using var connection = db.Database.Open();
        Migrations.CurrentVersion(connection).Should().Be(Migrations.Latest);
        connection.ExecuteScalar<string>("PRAGMA journal_mode").Should().Be("wal");
    }

    [Fact]
    public void Every_table_carries_a_tenant_id()
    {
        using var db = new TestDatabase();
        using var connection = db.Database.Open();

        var tables = connection.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").AsList();

        tables.Should().NotBeEmpty();
        foreach (var table in tables)
        {
            connection.Query<string>($"SELECT name FROM pragma_table_info('{table}')").Should().Contain("tenant_id", because: $"table {table} holds tenant data");
        }
    }

    [Fact]
    public void A_database_from_a_newer_version_is_refused_with_a_clear_error()
    {
        using var db = new TestDatabase();
        using (var connection = db.Database.Open())
        {
            connection.Execute($"PRAGMA user_version = {Migrations.Latest + 1}");
        }

        var act = () => Migrations.Apply(db.Database);

        act.Should().Throw<InvalidOperationException>().WithMessage("*newer than this control plane knows*");
    }
}
