using System.Globalization;
using System.Text;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Email;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// Sends one short plain-text email per event through the control plane's email transport (SMTP or pickup
/// directory, <c>Argy:Email</c>) and reports whether the server took it, so the sink's cursor only moves then.
/// </summary>
public sealed class EmailNotifier(IEmailTransport transport, IOptions<EmailOptions> options, TimeProvider time)
{
    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        [AuditActions.DeploymentFailed] = "Deployment failed",
        [AuditActions.DeploymentTimedOut] = "Deployment timed out",
        [AuditActions.DeploymentAgentLost] = "Deployment lost its agent",
        [AuditActions.QuotaExceeded] = "Quota reached",
        [AuditActions.LlmQuotaExceeded] = "LLM quota reached",
        [AuditActions.LlmCreditsThresholdCrossed] = "LLM credits threshold crossed",
        [AuditActions.UserInvited] = "New user invited",
        [AuditActions.UserProvisioned] = "New user provisioned",
        [AuditActions.DeploymentApprovalRequested] = "Deployment waiting for approval",
        [AuditActions.DeliveryTest] = "Test notification",
    };

    public static string Title(string action) => Titles.TryGetValue(action, out var title) ? title : action;

    /// <summary>The sink's recipients, plus those the record names when its action allows it; distinct, valid addresses only.</summary>
    public static IReadOnlyList<string> RecipientsOf(DeliverySinkRow sink, AuditRecord record)
    {
        var all = new List<string>(sink.RecipientList);
        if (NotificationEvents.WithRecipients.Contains(record.Action)
            && DeliveryEvent.DataOf(record).GetValueOrDefault(NotificationEvents.RecipientsField) is { } extra)
        {
            all.AddRange(extra.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }

        return all.Where(SinkValidation.IsEmail).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static (string Subject, string Body) Render(AuditRecord record, string eventId)
    {
        var title = Title(record.Action);
        var subject = "[Argy] " + title + (string.IsNullOrWhiteSpace(record.Detail) ? "" : ": " + OneLine(record.Detail, 120));
        var body = new StringBuilder();
        body.Append(title).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(record.Detail))
        {
            body.Append(record.Detail).Append("\n\n");
        }

        Line(body, "Event", record.Action + " (" + record.Outcome + ")");
        Line(body, "When", DeliveryEvent.Timestamp(record.At));
        Line(body, "By", record.ActorType + " " + record.Actor);
        if (record.ResourceType is not null || record.ResourceId is not null)
        {
            Line(body, "Resource", $"{record.ResourceType} {record.ResourceId}".Trim());
        }

        Line(body, "Tenant", record.TenantId ?? "");
        foreach (var (key, value) in DeliveryEvent.DataOf(record).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key != NotificationEvents.RecipientsField)
            {
                Line(body, key, value ?? "");
            }
        }

        Line(body, "Event id", eventId);
        return (subject, body.ToString());
    }

    public async Task<DeliveryAttempt> SendAsync(DeliverySinkRow sink, AuditRecord record, string eventId, CancellationToken cancellationToken)
    {
        var recipients = RecipientsOf(sink, record);
        if (recipients.Count == 0)
        {
            // Nothing to send is not a failure: the event is done for this sink.
            return new DeliveryAttempt(true, null, null);
        }

        var message = Render(record, eventId);
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.Value.From));
        foreach (var recipient in recipients)
        {
            mime.To.Add(MailboxAddress.Parse(recipient));
        }

        mime.Subject = message.Subject;
        mime.Date = time.GetUtcNow();
        // The same event always has the same Message-Id, so a mail system can drop the rare redelivery.
        mime.MessageId = $"{eventId}.{sink.Id}@argy.invalid";
        mime.Headers.Add("X-Argy-Event-Id", eventId);
        mime.Body = new TextPart("plain") { Text = message.Body };
        try
        {
            await transport.SendAsync(mime, cancellationToken);
            return new DeliveryAttempt(true, null, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryAttempt(false, null, "The mail server did not take the message: " + e.Message);
        }
    }

    private static void Line(StringBuilder body, string label, string value) =>
        body.Append(CultureInfo.InvariantCulture, $"{label + ":",-10} {OneLine(value, 500)}\n");

    private static string OneLine(string value, int max)
    {
        var line = value.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }
}
