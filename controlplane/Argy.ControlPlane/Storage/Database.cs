using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Storage;

/// <summary>
/// Opens connections to the control plane's SQLite file. Every unit of work takes its own pooled
/// connection: SQLite connections are not thread-safe, and pooling makes opening them cheap.
/// </summary>
public sealed class Database
{
    private readonly string _connectionString;

    static Database()
    {
        // Columns are snake_case, properties PascalCase.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(IOptions<StorageOptions> options)
        : this(options.Value.DatabasePath)
    {
    }

    public Database(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Pooled connections keep their settings: configure each physical connection once, not on every open.
        if (connection.Handle is { } handle && !Configured.TryGetValue(handle, out _))
        {
            using var pragmas = connection.CreateCommand();
            // busy_timeout makes concurrent writers wait instead of failing; foreign keys are off by default in
            // SQLite; in WAL mode synchronous=NORMAL is durable against crashes of the process (not of the OS)
            // and saves an fsync per commit.
            pragmas.CommandText = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
            pragmas.ExecuteNonQuery();
            Configured.AddOrUpdate(handle, new WriteGate.Holder(WriteGate.For(Path), handle));
        }

        return connection;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, WriteGate.Holder> Configured = new();

    /// <summary>
    /// Starts a write transaction that takes the write lock up front. A deferred transaction that reads and then
    /// writes can fail with SQLITE_BUSY_SNAPSHOT after waiting out the whole busy timeout. Writers of this process
    /// queue on the file's <see cref="WriteGate"/> first, so the lock passes straight to the next one when a
    /// transaction ends instead of each waiter polling for it.
    /// </summary>
    public static SqliteTransaction BeginWrite(SqliteConnection connection)
    {
        if (connection.Handle is not { } handle || !Configured.TryGetValue(handle, out var holder))
        {
            return connection.BeginTransaction(deferred: false);
        }

        holder.Acquire();
        try
        {
            return connection.BeginTransaction(deferred: false);
        }
        catch
        {
            holder.Release();
            throw;
        }
    }
}
