using System.Text.Json;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Delivery;

/// <summary>One row of <c>delivery_sinks</c>.</summary>
public sealed class DeliverySinkRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Format { get; init; } = SinkFormat.Json;
    public string? Url { get; init; }
    public string? KeyId { get; init; }
    public byte[]? SealedSecret { get; init; }
    /// <summary>JSON array of filter entries.</summary>
    public string Events { get; init; } = "[]";
    /// <summary>JSON array of email addresses.</summary>
    public string Recipients { get; init; } = "[]";
    public bool Enabled { get; init; } = true;
    public long CursorSeq { get; init; }
    public int Attempts { get; init; }
    public long? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public long? LastDeliveredAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }

    public IReadOnlyList<string> EventList => DeliveryJson.ReadList(Events);

    public IReadOnlyList<string> RecipientList => DeliveryJson.ReadList(Recipients);
}

/// <summary>What a sink still has to go through.</summary>
public sealed class SinkLag
{
    public long Count { get; init; }
    public long? OldestAt { get; init; }
}

/// <summary>Changes to a sink; null fields are left as they are.</summary>
public sealed record SinkChanges(string? Name, string? Url, string? Format, IReadOnlyList<string>? Events, IReadOnlyList<string>? Recipients, bool? Enabled);

/// <summary>Sinks and their cursors over the audit trail. Every method but <see cref="Due"/> is tenant-scoped.</summary>
public sealed class DeliverySinkStore(Database database, TimeProvider time)
{
    private const string Columns =
        "id, tenant_id, name, kind, format, url, key_id, sealed_secret, events, recipients, enabled, cursor_seq, attempts, " +
        "next_attempt_at, last_error, last_delivered_at, created_by, created_at, updated_at";

    private long Now => UnixMs.From(time.GetUtcNow());

    public void Insert(SqliteConnection connection, SqliteTransaction transaction, DeliverySinkRow row) =>
        connection.Execute(
            $"""
            INSERT INTO delivery_sinks ({Columns})
            VALUES (@Id, @TenantId, @Name, @Kind, @Format, @Url, @KeyId, @SealedSecret, @Events, @Recipients, @Enabled, @CursorSeq, 0,
                    NULL, NULL, NULL, @CreatedBy, @CreatedAt, @UpdatedAt)
            """,
            row, transaction);

    public DeliverySinkRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return Get(connection, null, scope, id);
    }

    public DeliverySinkRow? Get(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string id) =>
        connection.QuerySingleOrDefault<DeliverySinkRow>(
            $"SELECT {Columns} FROM delivery_sinks WHERE tenant_id = @TenantId AND id = @id",
            new { scope.TenantId, id }, transaction);

    public IReadOnlyList<DeliverySinkRow> List(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.Query<DeliverySinkRow>(
            $"SELECT {Columns} FROM delivery_sinks WHERE tenant_id = @TenantId ORDER BY created_at, id", new { scope.TenantId }).AsList();
    }

    public void Update(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id, SinkChanges changes) =>
        connection.Execute(
            """
            UPDATE delivery_sinks
               SET name = COALESCE(@Name, name), url = COALESCE(@Url, url), format = COALESCE(@Format, format),
                   events = COALESCE(@Events, events), recipients = COALESCE(@Recipients, recipients),
                   enabled = COALESCE(@Enabled, enabled),
                   -- A fixed target or a resumed sink is tried again at once, with a fresh backoff.
                   next_attempt_at = CASE WHEN @Enabled = 1 OR @Url IS NOT NULL OR @Recipients IS NOT NULL THEN NULL ELSE next_attempt_at END,
                   attempts = CASE WHEN @Enabled = 1 OR @Url IS NOT NULL OR @Recipients IS NOT NULL THEN 0 ELSE attempts END,
                   updated_at = @Now
             WHERE tenant_id = @TenantId AND id = @id
            """,
            new
            {
                changes.Name, changes.Url, changes.Format,
                Events = changes.Events is null ? null : DeliveryJson.WriteList(changes.Events),
                Recipients = changes.Recipients is null ? null : DeliveryJson.WriteList(changes.Recipients),
                Enabled = changes.Enabled is null ? (int?)null : changes.Enabled.Value ? 1 : 0,
                Now, scope.TenantId, id,
            },
            transaction);

    public bool Delete(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string id) =>
        connection.Execute("DELETE FROM delivery_sinks WHERE tenant_id = @TenantId AND id = @id", new { scope.TenantId, id }, transaction) == 1;

    /// <summary>How many of the tenant's audit records lie after the cursor (to deliver or to pass over), and when the oldest was written.</summary>
    public SinkLag Pending(TenantScope scope, long cursor)
    {
        using var connection = database.Open();
        return connection.QuerySingle<SinkLag>(
            "SELECT COUNT(*) AS count, MIN(at) AS oldest_at FROM audit_events WHERE tenant_id = @TenantId AND seq > @cursor", new { scope.TenantId, cursor });
    }

    /// <summary>System work: enabled sinks of every tenant whose next attempt is due.</summary>
    public IReadOnlyList<DeliverySinkRow> Due(long now)
    {
        using var connection = database.Open();
        return connection.Query<DeliverySinkRow>(
            $"SELECT {Columns} FROM delivery_sinks WHERE enabled = 1 AND (next_attempt_at IS NULL OR next_attempt_at <= @now) ORDER BY id",
            new { now }).AsList();
    }

    /// <summary>System work: the earliest retry that is not yet due, if any.</summary>
    public long? NextRetryAt(long now)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<long?>(
            "SELECT MIN(next_attempt_at) FROM delivery_sinks WHERE enabled = 1 AND next_attempt_at > @now", new { now });
    }

    /// <summary>The tenant's audit records after <paramref name="cursor"/>, in seq order.</summary>
    public IReadOnlyList<AuditRecord> ReadAfter(TenantScope scope, long cursor, int limit)
    {
        using var connection = database.Open();
        return connection.Query<AuditRecord>(
            """
            SELECT seq, tenant_id, org_id, at, action, outcome, actor_type, actor, resource_type, resource_id, subject, source_ip,
                   user_agent, correlation_id, detail, data
              FROM audit_events WHERE tenant_id = @TenantId AND seq > @cursor ORDER BY seq LIMIT @limit
            """,
            new { scope.TenantId, cursor, limit }).AsList();
    }

    /// <summary>The receiver accepted the event at <paramref name="seq"/>: move the cursor to it and clear the error, in one statement.</summary>
    public void Delivered(TenantScope scope, string id, long seq)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            """
            UPDATE delivery_sinks
               SET cursor_seq = MAX(cursor_seq, @seq), attempts = 0, next_attempt_at = NULL, last_error = NULL, last_delivered_at = @Now
             WHERE tenant_id = @TenantId AND id = @id
            """,
            new { seq, Now, scope.TenantId, id }, transaction);
        transaction.Commit();
    }

    /// <summary>Records up to <paramref name="seq"/> do not match the filter: move past them without touching the error state.</summary>
    public void Skipped(TenantScope scope, string id, long seq)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            "UPDATE delivery_sinks SET cursor_seq = MAX(cursor_seq, @seq) WHERE tenant_id = @TenantId AND id = @id",
            new { seq, scope.TenantId, id }, transaction);
        transaction.Commit();
    }

    /// <summary>The head event failed: count the attempt and schedule the retry; the cursor stays before it.</summary>
    public void Failed(TenantScope scope, string id, int attempts, long nextAttemptAt, string error)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            """
            UPDATE delivery_sinks SET attempts = @attempts, next_attempt_at = @nextAttemptAt, last_error = @error
             WHERE tenant_id = @TenantId AND id = @id
            """,
            new { attempts, nextAttemptAt, error = error.Length > 1000 ? error[..1000] : error, scope.TenantId, id }, transaction);
        transaction.Commit();
    }
}

internal static class DeliveryJson
{
    public static IReadOnlyList<string> ReadList(string json) =>
        JsonSerializer.Deserialize(json, DeliveryJsonContext.Default.StringArray) ?? [];

    public static string WriteList(IReadOnlyList<string> values) =>
        JsonSerializer.Serialize(values.ToArray(), DeliveryJsonContext.Default.StringArray);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class DeliveryJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
