using Argy.ControlPlane.Api;

namespace Argy.ControlPlane.Delivery;

public static class SinkValidation
{
    public const int MaxRecipients = 50;

    public static bool IsName(string? name) => name is { Length: >= 1 and <= 100 } && !name.Any(char.IsControl) && name.Trim().Length > 0;

    /// <summary>An absolute http or https URL without user information (the HMAC signature authenticates Argy).</summary>
    public static bool IsUrl(string? url) =>
        url is { Length: <= 2048 }
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.UserInfo)
        && !string.IsNullOrEmpty(uri.Host);

    public static bool IsEmail(string? address) =>
        address is { Length: >= 3 and <= 254 }
        && address.Contains('@', StringComparison.Ordinal)
        && !address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is ',' or ';' or '<' or '>')
        && MimeKit.MailboxAddress.TryParse(address, out var mailbox)
        && mailbox.Address == address;

    public static void Events(FieldErrors errors, IReadOnlyList<string>? events)
    {
        if (events is null)
        {
            return;
        }

        errors.Require(events.Count <= EventFilter.MaxEntries, "events", $"events has more than {EventFilter.MaxEntries} entries.");
        foreach (var entry in events)
        {
            errors.Require(EventFilter.IsValidEntry(entry), "events",
                $"'{entry}' is not an event name: lower-case words joined by dots, like deployment.failed, or a prefix like deployment.*, or *.");
        }
    }

    public static void Recipients(FieldErrors errors, IReadOnlyList<string>? recipients, bool required)
    {
        if (recipients is null)
        {
            errors.Require(!required, "recipients", "recipients is required for an email sink: one or more email addresses.");
            return;
        }

        errors.Require(recipients.Count >= 1 || !required, "recipients", "recipients needs at least one email address.");
        errors.Require(recipients.Count <= MaxRecipients, "recipients", $"recipients has more than {MaxRecipients} addresses.");
        foreach (var recipient in recipients)
        {
            errors.Require(IsEmail(recipient), "recipients", $"'{recipient}' is not an email address.");
        }
    }
}
