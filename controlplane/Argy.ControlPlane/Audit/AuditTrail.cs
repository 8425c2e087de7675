using System.Text.Json;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Audit;

/// <summary>The audit record of a change could not be written; the change is rolled back with it.</summary>
public sealed class AuditUnavailableException(string action, Exception inner)
    : Exception($"The audit record '{action}' could not be written: {inner.Message}", inner);

/// <summary>Where a request came from, captured when the event happens (the batched writer stores it later).</summary>
public sealed record AuditSource(string? SourceIp, string? UserAgent, string? CorrelationId)
{
    public static readonly AuditSource None = new(null, null, null);

    public static AuditSource Of(HttpContext? context) => context is null
        ? None
        : new AuditSource(
            context.Connection.RemoteIpAddress?.ToString(),
            AuditTrail.Truncate(context.Request.Headers.UserAgent.ToString(), 512),
            AuditTrail.CorrelationIdOf(context));
}

/// <summary>
/// Appends audit records inside the caller's write transaction, so a change and its record commit together or
/// not at all: if the audit insert fails, the exception rolls the change back. Who acted, from which address,
/// with which user agent and correlation id is taken from the request being served unless an
/// <see cref="AuditActor"/> is given.
/// </summary>
public sealed class AuditTrail(IHttpContextAccessor http, TimeProvider time, AuditContentCipher cipher)
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>Raised after a record is inserted, before the caller commits (delivery wakes on it).</summary>
    public event Action<AuditRecord>? Appended;
    /// <summary>Appends one record. <paramref name="transaction"/> must be a write transaction (<see cref="Database.BeginWrite"/>).</summary>
    public AuditRecord Append(SqliteConnection connection, SqliteTransaction transaction, TenantScope? scope, AuditEntry entry, AuditActor? actor = null)
    {
        var context = http.HttpContext;
        return Insert(connection, transaction, Draft(scope?.TenantId, entry, actor ?? ActorOf(context), AuditSource.Of(context)));
    }

    /// <summary>Appends one record with an explicit origin, for work done on behalf of a request that is no longer current.</summary>
    public AuditRecord Append(SqliteConnection connection, SqliteTransaction transaction, TenantScope? scope, AuditEntry entry, AuditActor actor, AuditSource source) =>
        Insert(connection, transaction, Draft(scope?.TenantId, entry, actor, source));

    /// <summary>The record for an event happening now, not yet numbered or chained.</summary>
    public AuditRecord Draft(string? tenantId, AuditEntry entry, AuditActor actor, AuditSource source)
    {
        var (content, contentKeyId) = entry.Content is null ? (null, null) : cipher.Seal(entry.Content);
        return new()
        {
            TenantId = tenantId,
            OrgId = actor.OrgId,
            At = UnixMs.From(time.GetUtcNow()),
            Action = entry.Action,
            Outcome = entry.Outcome,
            ActorType = actor.Type,
            Actor = actor.Id,
            ResourceType = entry.ResourceType,
            ResourceId = entry.ResourceId,
            SourceIp = source.SourceIp,
            UserAgent = source.UserAgent,
            CorrelationId = source.CorrelationId,
            Detail = entry.Detail,
            Data = entry.Data is { Count: > 0 } ? JsonSerializer.Serialize(entry.Data, AuditJson.Default.IReadOnlyDictionaryStringString) : null,
            Content = content,
            ContentKeyId = contentKeyId,
        };
    }

    /// <summary>
    /// The one place records enter the table: numbers the draft, chains it to its tenant's tail and inserts it,
    /// with one SELECT and one INSERT. <paramref name="transaction"/> must be a write transaction: it holds SQLite's
    /// single write lock, so the tail read here is still the tail at insert.
    /// </summary>
    public AuditRecord Insert(SqliteConnection connection, SqliteTransaction transaction, AuditRecord draft)
    {
        try
        {
            return InsertChained(connection, transaction, draft);
        }
        catch (SqliteException e)
        {
            throw new AuditUnavailableException(draft.Action, e);
        }
    }

    private AuditRecord InsertChained(SqliteConnection connection, SqliteTransaction transaction, AuditRecord draft)
    {
        // The tail is the tenant's last chained record, or the anchor retention left when it purged them all;
        // sqlite_sequence remembers the highest seq ever used, so a purge never lets a number come back.
        var tail = connection.QuerySingle<(long Next, byte[]? Hash)>(
            """
            SELECT MAX(COALESCE((SELECT MAX(seq) FROM audit_events), 0),
                       COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0)) + 1,
                   COALESCE(
                       (SELECT hash FROM audit_events WHERE tenant_id IS @tenantId AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1),
                       (SELECT hash FROM audit_anchors WHERE tenant_id = COALESCE(@tenantId, '')))
            """,
            new { tenantId = draft.TenantId }, transaction);

        var unsealed = Copy(draft, tail.Next, tail.Hash ?? AuditChain.Genesis, null);
        var record = Copy(unsealed, unsealed.Seq, unsealed.PrevHash!, AuditChain.Compute(unsealed, unsealed.PrevHash));
        connection.Execute(
            """
            INSERT INTO audit_events (seq, tenant_id, org_id, at, action, outcome, actor_type, actor, resource_type, resource_id,
                                      subject, source_ip, user_agent, correlation_id, detail, data, content, content_key_id, prev_hash, hash)
            VALUES (@Seq, @TenantId, @OrgId, @At, @Action, @Outcome, @ActorType, @Actor, @ResourceType, @ResourceId,
                    @Subject, @SourceIp, @UserAgent, @CorrelationId, @Detail, @Data, @Content, @ContentKeyId, @PrevHash, @Hash)
            """,
            record, transaction);
        Appended?.Invoke(record);
        return record;
    }

    /// <summary>The correlation id of a request: the client's <c>X-Correlation-Id</c> when it is sane, else the request's trace id.</summary>
    public static string CorrelationIdOf(HttpContext context)
    {
        var given = context.Request.Headers[CorrelationHeader].ToString();
        return given.Length is > 0 and <= 128 && given.All(c => c is > ' ' and < '\u007f')
            ? given
            : System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
    }

    /// <summary>The authenticated caller of a request as an actor: a signed-in user, a token, or anonymous.</summary>
    public static AuditActor ActorOf(HttpContext? context)
    {
        if (context?.User.Identity?.IsAuthenticated != true || context.User.FindFirst(Caller.TenantClaim) is null)
        {
            return new AuditActor(context is null ? AuditActorType.System : AuditActorType.Anonymous, context is null ? "system" : "anonymous");
        }

        var caller = context.Caller();
        return caller.SessionId is not null
            ? new AuditActor(AuditActorType.User, caller.UserId ?? caller.ActorId, caller.OrgId)
            : new AuditActor(AuditActorType.Token, caller.ActorId, caller.OrgId);
    }

    internal static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];

    private static AuditRecord Copy(AuditRecord r, long seq, byte[] previous, byte[]? hash) => new()
    {
        Seq = seq, TenantId = r.TenantId, OrgId = r.OrgId, At = r.At, Action = r.Action, Outcome = r.Outcome, ActorType = r.ActorType,
        Actor = r.Actor, ResourceType = r.ResourceType, ResourceId = r.ResourceId, Subject = r.Subject, SourceIp = r.SourceIp,
        UserAgent = r.UserAgent, CorrelationId = r.CorrelationId, Detail = r.Detail, Data = r.Data, Content = r.Content,
        ContentKeyId = r.ContentKeyId, PrevHash = previous, Hash = hash,
    };
}
