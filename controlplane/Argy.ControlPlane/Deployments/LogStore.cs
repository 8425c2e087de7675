using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Deployments;

public sealed record LogChunkRow(long Seq, long Stream, long Ts, byte[] Data);

/// <summary>
/// A run's output, one row per chunk keyed by (run, sequence). A chunk delivered twice is stored once, so the
/// stored log equals exactly what the process printed.
/// </summary>
public sealed class LogStore(Database database)
{
    /// <summary>Stores a chunk; false when that sequence number was already stored.</summary>
    public bool Append(TenantScope scope, string runId, long seq, int stream, long timestampMs, ReadOnlyMemory<byte> data)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT OR IGNORE INTO log_chunks (tenant_id, run_id, seq, stream, ts, data) VALUES ($tenant, $run, $seq, $stream, $ts, $data)";
        command.Parameters.AddWithValue("$tenant", scope.TenantId);
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$stream", stream);
        command.Parameters.AddWithValue("$ts", timestampMs);
        command.Parameters.AddWithValue("$data", data.ToArray());
        return command.ExecuteNonQuery() == 1;
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
