using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Delivery;

/// <summary>Creates, changes, removes and tests sinks; every change writes its audit record in the same transaction.</summary>
public sealed partial class DeliverySinkService(
    Database database,
    DeliverySinkStore store,
    SecretBox secrets,
    AuditTrail audit,
    WebhookClient webhooks,
    EmailNotifier email,
    DeliverySignal signal,
    TimeProvider time,
    ILogger<DeliverySinkService> logger)
{
    public const string SecretPrefix = "whsec_";

    public CreatedSinkResponse Create(Caller caller, CreateSinkRequest request)
    {
        var errors = new FieldErrors();
        var kind = request.Kind;
        errors.Require(kind is not null && SinkKind.All.Contains(kind), "kind", $"kind must be one of: {string.Join(", ", SinkKind.All)}.");
        errors.Require(request.Name is null || SinkValidation.IsName(request.Name), "name", "name must be 1-100 characters without control characters.");
        var format = request.Format ?? SinkFormat.Json;
        errors.Require(SinkFormat.All.Contains(format), "format", $"format must be one of: {string.Join(", ", SinkFormat.All)}.");
        errors.Require(format == SinkFormat.Json || kind is null or SinkKind.Siem, "format", "format cef is for siem sinks only.");
        if (kind == SinkKind.Email)
        {
            errors.Require(request.Url is null, "url", "An email sink has no url.");
            SinkValidation.Recipients(errors, request.Recipients, required: true);
        }
        else
        {
            errors.Require(SinkValidation.IsUrl(request.Url), "url", "url must be an absolute http or https URL without user information.");
            errors.Require(request.Recipients is null, "recipients", "Only email sinks have recipients.");
        }

        SinkValidation.Events(errors, request.Events);
        errors.ThrowIfAny();

        var scope = caller.Scope;
        var id = Ids.New("snk");
        var events = request.Events ?? (kind == SinkKind.Siem ? [] : NotificationEvents.Default);
        string? secret = null;
        byte[]? sealedSecret = null;
        string? keyId = null;
        if (kind != SinkKind.Email)
        {
            secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            sealedSecret = secrets.Seal(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id));
            keyId = Ids.New("key");
        }

        var now = UnixMs.From(time.GetUtcNow());
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var row = new DeliverySinkRow
        {
            Id = id,
            TenantId = scope.TenantId,
            Name = request.Name?.Trim() ?? kind!,
            Kind = kind!,
            Format = format,
            Url = request.Url,
            KeyId = keyId,
            SealedSecret = sealedSecret,
            Events = DeliveryJson.WriteList(events),
            Recipients = DeliveryJson.WriteList(request.Recipients ?? []),
            Enabled = request.Enabled ?? true,
            CursorSeq = 0,
            CreatedBy = caller.ActorId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var record = audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.DeliverySinkCreated, AuditResources.DeliverySink, id, Detail: $"Delivery sink '{row.Name}' ({row.Kind}, {row.Format}) created.",
            Data: new Dictionary<string, string?> { ["kind"] = row.Kind, ["format"] = row.Format, ["events"] = string.Join(',', events) }));
        if (request.Replay != true)
        {
            // A new sink starts after the record of its own creation, the tenant's newest.
            row = Copy(row, record.Seq);
        }

        store.Insert(connection, transaction, row);
        transaction.Commit();
        LogCreated(logger, id, row.Kind, scope.TenantId, caller.ActorId);
        signal.Wake();
        return new CreatedSinkResponse(SinkResponse.From(row), secret);
    }

    public SinkResponse Get(TenantScope scope, string id)
    {
        var row = Find(scope, id);
        return SinkResponse.From(row, store.Pending(scope, row.CursorSeq));
    }

    public IReadOnlyList<SinkResponse> List(TenantScope scope) =>
        store.List(scope).Select(row => SinkResponse.From(row, store.Pending(scope, row.CursorSeq))).ToList();

    public SinkResponse Update(Caller caller, string id, UpdateSinkRequest request)
    {
        var scope = caller.Scope;
        var existing = Find(scope, id);
        var errors = new FieldErrors();
        errors.Require(request.Name is null || SinkValidation.IsName(request.Name), "name", "name must be 1-100 characters without control characters.");
        errors.Require(request.Format is null || SinkFormat.All.Contains(request.Format), "format", $"format must be one of: {string.Join(", ", SinkFormat.All)}.");
        errors.Require(request.Format is null or SinkFormat.Json || existing.Kind == SinkKind.Siem, "format", "format cef is for siem sinks only.");
        if (existing.Kind == SinkKind.Email)
        {
            errors.Require(request.Url is null, "url", "An email sink has no url.");
            SinkValidation.Recipients(errors, request.Recipients, required: false);
            errors.Require(request.Recipients is null || request.Recipients.Count > 0, "recipients", "recipients needs at least one email address.");
        }
        else
        {
            errors.Require(request.Url is null || SinkValidation.IsUrl(request.Url), "url", "url must be an absolute http or https URL without user information.");
            errors.Require(request.Recipients is null, "recipients", "Only email sinks have recipients.");
        }

        SinkValidation.Events(errors, request.Events);
        errors.ThrowIfAny();

        using (var connection = database.Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            if (store.Get(connection, transaction, scope, id) is null)
            {
                throw ApiProblemException.NotFound("delivery sink", id);
            }

            store.Update(connection, transaction, scope, id, new SinkChanges(request.Name?.Trim(), request.Url, request.Format, request.Events, request.Recipients, request.Enabled));
            var changed = new List<string>();
            if (request.Name is not null) changed.Add("name");
            if (request.Url is not null) changed.Add("url");
            if (request.Format is not null) changed.Add("format");
            if (request.Events is not null) changed.Add("events");
            if (request.Recipients is not null) changed.Add("recipients");
            if (request.Enabled is not null) changed.Add(request.Enabled.Value ? "enabled" : "disabled");
            audit.Append(connection, transaction, scope, new AuditEntry(
                AuditActions.DeliverySinkUpdated, AuditResources.DeliverySink, id, Detail: $"Delivery sink '{existing.Name}' changed: {string.Join(", ", changed)}.",
                Data: new Dictionary<string, string?> { ["changed"] = string.Join(',', changed) }));
            transaction.Commit();
        }

        signal.Wake();
        return Get(scope, id);
    }

    public void Delete(Caller caller, string id)
    {
        var scope = caller.Scope;
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var existing = store.Get(connection, transaction, scope, id) ?? throw ApiProblemException.NotFound("delivery sink", id);
        store.Delete(connection, transaction, scope, id);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.DeliverySinkDeleted, AuditResources.DeliverySink, id, Detail: $"Delivery sink '{existing.Name}' ({existing.Kind}) deleted."));
        transaction.Commit();
        LogDeleted(logger, id, scope.TenantId, caller.ActorId);
    }

    /// <summary>Sends a synthetic, signed <c>delivery.test</c> event straight to the receiver (not through the outbox).</summary>
    public async Task<SinkTestResponse> TestAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var scope = caller.Scope;
        var sink = Find(scope, id);
        var eventId = "evt_test_" + Ids.RandomText(12);
        var record = new AuditRecord
        {
            Seq = 0,
            TenantId = scope.TenantId,
            OrgId = caller.OrgId,
            At = UnixMs.From(time.GetUtcNow()),
            Action = AuditActions.DeliveryTest,
            Outcome = AuditOutcome.Success,
            ActorType = caller.SessionId is null ? AuditActorType.Token : AuditActorType.User,
            Actor = caller.UserId ?? caller.ActorId,
            ResourceType = AuditResources.DeliverySink,
            ResourceId = sink.Id,
            Detail = $"Test event for delivery sink '{sink.Name}'.",
        };
        var attempt = sink.Kind == SinkKind.Email
            ? await email.SendAsync(sink, record, eventId, cancellationToken)
            : await webhooks.SendAsync(sink, record, eventId, cancellationToken);

        using (var connection = database.Open())
        using (var transaction = Database.BeginWrite(connection))
        {
            audit.Append(connection, transaction, scope, new AuditEntry(
                AuditActions.DeliverySinkTested, AuditResources.DeliverySink, sink.Id, attempt.Delivered ? AuditOutcome.Success : AuditOutcome.Failure,
                attempt.Delivered ? $"Test event delivered to sink '{sink.Name}'." : $"Test event not delivered to sink '{sink.Name}': {attempt.Error}",
                new Dictionary<string, string?> { ["status"] = attempt.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            transaction.Commit();
        }

        return new SinkTestResponse(eventId, attempt.Delivered, attempt.Status, attempt.Error);
    }

    private DeliverySinkRow Find(TenantScope scope, string id) => store.Get(scope, id) ?? throw ApiProblemException.NotFound("delivery sink", id);

    private static DeliverySinkRow Copy(DeliverySinkRow row, long cursor) => new()
    {
        Id = row.Id, TenantId = row.TenantId, Name = row.Name, Kind = row.Kind, Format = row.Format, Url = row.Url, KeyId = row.KeyId,
        SealedSecret = row.SealedSecret, Events = row.Events, Recipients = row.Recipients, Enabled = row.Enabled, CursorSeq = cursor,
        CreatedBy = row.CreatedBy, CreatedAt = row.CreatedAt, UpdatedAt = row.UpdatedAt,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery sink {SinkId} ({Kind}) created in tenant {TenantId} by {Actor}")]
    private static partial void LogCreated(ILogger logger, string sinkId, string kind, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery sink {SinkId} deleted in tenant {TenantId} by {Actor}")]
    private static partial void LogDeleted(ILogger logger, string sinkId, string tenantId, string actor);
}
