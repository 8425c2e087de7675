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
        "deployment.failed", "deployment.timed_out", "deployment.agent_lost",
        // quota reached
        "quota.exceeded", "llm.quota.exceeded", "llm.credits.threshold_crossed",
        // new user
        "user.invited", "user.created",
        // pending approval
        "deployment.approval_requested",
    ];

    /// <summary>The record's data field that adds recipients to an email notification (comma-separated).</summary>
    public const string RecipientsField = "recipients";

    /// <summary>Actions whose record may name extra email recipients in <see cref="RecipientsField"/>.</summary>
    public static readonly IReadOnlySet<string> WithRecipients = new HashSet<string>(StringComparer.Ordinal) { "llm.credits.threshold_crossed" };
}
