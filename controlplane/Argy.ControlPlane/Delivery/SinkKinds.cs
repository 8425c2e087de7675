using Argy.ControlPlane.Audit;

namespace Argy.ControlPlane.Delivery;

public static class SinkKind
{
    /// <summary>A SIEM's HTTP collector: every (filtered) audit record, as JSON or CEF.</summary>
    public const string Siem = "siem";

    /// <summary>A notification webhook: by default only the notification events.</summary>
    public const string Webhook = "webhook";

    /// <summary>Notification emails through the control plane's SMTP setup.</summary>
    public const string Email = "email";

    public static readonly IReadOnlyList<string> All = [Siem, Webhook, Email];
}

public static class SinkFormat
{
    public const string Json = "json";
    public const string Cef = "cef";

    public static readonly IReadOnlyList<string> All = [Json, Cef];
}

/// <summary>The audit actions behind the notifications: the default filter of webhook and email sinks.</summary>
public static class NotificationEvents
{
    public static readonly IReadOnlyList<string> Default =
    [
        // deployment failed
        AuditActions.DeploymentFailed, AuditActions.DeploymentTimedOut, AuditActions.DeploymentAgentLost,
        // quota reached
        AuditActions.QuotaExceeded, AuditActions.LlmQuotaExceeded, AuditActions.LlmCreditsThresholdCrossed,
        // new user: invited by an admin, or provisioned by SCIM (no code writes a "user.created")
        AuditActions.UserInvited, AuditActions.UserProvisioned,
        // pending approval
        AuditActions.DeploymentApprovalRequested,
    ];

    /// <summary>The record's data field that adds recipients to an email notification (comma-separated).</summary>
    public const string RecipientsField = "recipients";

    /// <summary>Actions whose record may name extra email recipients in <see cref="RecipientsField"/>.</summary>
    public static readonly IReadOnlySet<string> WithRecipients = new HashSet<string>(StringComparer.Ordinal) { AuditActions.LlmCreditsThresholdCrossed };
}
