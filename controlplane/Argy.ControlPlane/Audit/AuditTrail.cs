using System.Text.Json;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// Appends audit records inside the caller's write transaction, so a change and its record commit together or
/// not at all: if the audit insert fails, the exception rolls the change back. Who acted, from which address,
/// with which user agent and correlation id is taken from the request being served unless an
/// <see cref="AuditActor"/> is given.
/// </summary>
public sealed class AuditTrail(IHttpContextAccessor http, TimeProvider time, AuditContentCipher cipher)
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>A trail without content keys: content is stored as plain text.</summary>
    public AuditTrail(IHttpContextAccessor http, TimeProvider time)
        : this(http, time, AuditContentCipher.Plain)
    {
    }

    /// <summary>Appends one record. <paramref name="transaction"/> must be a write transaction (<see cref="Database.BeginWrite"/>).</summary>
    public AuditRecord Append(SqliteConnection connection, SqliteTransaction transaction, TenantScope? scope, AuditEntry entry, AuditActor? actor = null)
    {
        var context = http.HttpContext;
        var who = actor ?? ActorOf(context);
        var tenantId = scope?.TenantId;

        // The write transaction holds SQLite's single write lock, so the tail read here is still the tail at insert.
        // The tail is the tenant's last chained record, or the anchor retention left when it purged them all.
        var tailHash = connection.ExecuteScalar<byte[]?>(
            """
            SELECT COALESCE(
                (SELECT hash FROM audit_events WHERE tenant_id IS @tenantId AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1),
                (SELECT hash FROM audit_anchors WHERE tenant_id = COALESCE(@tenantId, '')))
            """,
            new { tenantId }, transaction);
        // sqlite_sequence remembers the highest seq ever used, so a purge never lets a number come back.
        var nextSeq = connection.ExecuteScalar<long>(
            """
            SELECT MAX(COALESCE((SELECT MAX(seq) FROM audit_events), 0),
                       COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0)) + 1
            """,
            transaction: transaction);
        var (content, contentKeyId) = entry.Content is null ? (null, null) : cipher.Seal(entry.Content);

        var unsealed = new AuditRecord
        {
            Seq = nextSeq,
            TenantId = tenantId,
            OrgId = who.OrgId,
            At = UnixMs.From(time.GetUtcNow()),
            Action = entry.Action,
            Outcome = entry.Outcome,
            ActorType = who.Type,
            Actor = who.Id,
            ResourceType = entry.ResourceType,
            ResourceId = entry.ResourceId,
            SourceIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(context?.Request.Headers.UserAgent.ToString(), 512),
            CorrelationId = context is null ? null : CorrelationIdOf(context),
            Detail = entry.Detail,
            Data = entry.Data is { Count: > 0 } ? JsonSerializer.Serialize(entry.Data, AuditJson.Default.IReadOnlyDictionaryStringString) : null,
            Content = content,
            ContentKeyId = contentKeyId,
            PrevHash = tailHash ?? AuditChain.Genesis,
        };
        var record = new AuditRecord
        {
            Seq = unsealed.Seq, TenantId = unsealed.TenantId, OrgId = unsealed.OrgId, At = unsealed.At, Action = unsealed.Action,
            Outcome = unsealed.Outcome, ActorType = unsealed.ActorType, Actor = unsealed.Actor, ResourceType = unsealed.ResourceType,
            ResourceId = unsealed.ResourceId, SourceIp = unsealed.SourceIp, UserAgent = unsealed.UserAgent,
            CorrelationId = unsealed.CorrelationId, Detail = unsealed.Detail, Data = unsealed.Data, Content = unsealed.Content,
            ContentKeyId = unsealed.ContentKeyId, PrevHash = unsealed.PrevHash,
            Hash = AuditChain.Compute(unsealed, unsealed.PrevHash),
        };

        connection.Execute(
            """
            INSERT INTO audit_events (seq, tenant_id, org_id, at, action, outcome, actor_type, actor, resource_type, resource_id,
                                      subject, source_ip, user_agent, correlation_id, detail, data, content, content_key_id, prev_hash, hash)
            VALUES (@Seq, @TenantId, @OrgId, @At, @Action, @Outcome, @ActorType, @Actor, @ResourceType, @ResourceId,
                    @Subject, @SourceIp, @UserAgent, @CorrelationId, @Detail, @Data, @Content, @ContentKeyId, @PrevHash, @Hash)
            """,
            record, transaction);
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

    private static AuditActor ActorOf(HttpContext? context)
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

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
