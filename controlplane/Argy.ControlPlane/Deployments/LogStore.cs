using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using System.Runtime.InteropServices;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Deployments;

public sealed record LogChunkRow(long Seq, long Stream, long Ts, byte[] Data);

public readonly record struct NewLogChunk(TenantScope Scope, string RunId, long Seq, int Stream, long TimestampMs, ReadOnlyMemory<byte> Data);

/// <summary>
/// A run's output, one row per chunk keyed by (run, sequence). A chunk delivered twice is stored once, so the
/// stored log equals exactly what the process printed.
/// </summary>
public sealed class LogStore(Database database)
{
    /// <summary>Stores a chunk; false when that sequence number was already stored.</summary>
    public bool Append(TenantScope scope, string runId, long seq, int stream, long timestampMs, ReadOnlyMemory<byte> data) =>
        AppendBatch([new NewLogChunk(scope, runId, seq, stream, timestampMs, data)])[0];

    /// <summary>
    /// Stores chunks in one transaction (one commit for many chunks); for each, whether it was new. Throws and
    /// stores nothing when the transaction fails.
    /// </summary>
    public bool[] AppendBatch(IReadOnlyList<NewLogChunk> chunks) =>
        AppendBatch([.. chunks.Select(chunk => new BatchWrite(chunk, null))]).Inserted;

    /// <summary>A chunk to store, or (with <see cref="Change"/>) a state change to run in the same transaction.</summary>
    public readonly record struct BatchWrite(NewLogChunk Chunk, Func<SqliteConnection, SqliteTransaction, bool>? Change);

    /// <summary>How a state change of a batch went: what it returned, or why it was undone.</summary>
    public readonly record struct ChangeOutcome(bool Changed, Exception? Error);

    /// <summary>Per position in the batch: whether a chunk was new, and how a state change went.</summary>
    public sealed record BatchResult(bool[] Inserted, ChangeOutcome[] Writes);

    /// <summary>
    /// Runs a batch in order in one transaction: chunks are inserted (a repeated one is ignored), state changes run
    /// each in a savepoint, so one that throws is undone alone and reported in its outcome. Throws and stores
    /// nothing when the transaction itself fails.
    /// </summary>
    public BatchResult AppendBatch(IReadOnlyList<BatchWrite> batch)
    {
        var inserted = new bool[batch.Count];
        var writes = new ChangeOutcome[batch.Count];
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT OR IGNORE INTO log_chunks (tenant_id, run_id, seq, stream, ts, data) VALUES ($tenant, $run, $seq, $stream, $ts, $data)";
        var tenant = command.Parameters.Add("$tenant", SqliteType.Text);
        var run = command.Parameters.Add("$run", SqliteType.Text);
        var seq = command.Parameters.Add("$seq", SqliteType.Integer);
        var stream = command.Parameters.Add("$stream", SqliteType.Integer);
        var ts = command.Parameters.Add("$ts", SqliteType.Integer);
        var data = command.Parameters.Add("$data", SqliteType.Blob);
        command.Prepare();
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Change is { } change)
            {
                writes[i] = InSavepoint(connection, transaction, change);
                continue;
            }

            var chunk = batch[i].Chunk;
            tenant.Value = chunk.Scope.TenantId;
            run.Value = chunk.RunId;
            seq.Value = chunk.Seq;
            stream.Value = chunk.Stream;
            ts.Value = chunk.TimestampMs;
            // The protobuf buffer is used as is when it is a whole array: no copy of the output on the log path.
            data.Value = MemoryMarshal.TryGetArray(chunk.Data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : chunk.Data.ToArray();
            inserted[i] = command.ExecuteNonQuery() == 1;
        }

        transaction.Commit();
        return new BatchResult(inserted, writes);
    }

    private static ChangeOutcome InSavepoint(SqliteConnection connection, SqliteTransaction transaction, Func<SqliteConnection, SqliteTransaction, bool> change)
    {
        const string name = "agent_report";
        transaction.Save(name);
        try
        {
            var changed = change(connection, transaction);
            transaction.Release(name);
            return new ChangeOutcome(changed, null);
        }
        catch (Exception e)
        {
            transaction.Rollback(name);
            transaction.Release(name);
            return new ChangeOutcome(false, e);
        }
    }

    public IReadOnlyList<LogChunkRow> Read(TenantScope scope, string runId, long afterSeq, int limit)
    {
        using var connection = database.Open();
        return connection.Query<LogChunkRow>(
            """
            SELECT seq, stream, ts, data FROM log_chunks
             WHERE run_id = @runId AND tenant_id = @tenant AND seq > @afterSeq
             ORDER BY seq LIMIT @limit
            """,
            new { runId, tenant = scope.TenantId, afterSeq, limit }).AsList();
    }
}
