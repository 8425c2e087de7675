using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Email;

public enum EmailMode
{
    /// <summary>Messages are written as .eml files to <see cref="EmailOptions.PickupDirectory"/> (development).</summary>
    Pickup,

    /// <summary>Messages are sent through the SMTP server in <see cref="EmailOptions.Smtp"/>.</summary>
    Smtp,
}

public enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it.</summary>
    Auto,

    /// <summary>Plain connection (a relay on loopback or in a trusted network).</summary>
    None,

    /// <summary>STARTTLS required.</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How the control plane sends email (invitations, sign-in links): <c>Argy:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "Argy:Email";

    public EmailMode Mode { get; set; } = EmailMode.Pickup;

    /// <summary>The From address, e.g. <c>Argy &lt;argy@example.com&gt;</c>.</summary>
    public string From { get; set; } = "Argy <argy@localhost>";

    /// <summary>Where Pickup mode writes messages; relative paths are under the working directory.</summary>
    public string PickupDirectory { get; set; } = "mail";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>How many times a message is tried before it is given up (and logged).</summary>
    public int MaxAttempts { get; set; } = 5;
}

public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (!MimeKit.MailboxAddress.TryParse(options.From, out _))
        {
            failures.Add($"Argy:Email:From '{options.From}' is not a mail address.");
        }

        if (options.MaxAttempts is < 1 or > 20)
        {
            failures.Add("Argy:Email:MaxAttempts must be between 1 and 20.");
        }

        switch (options.Mode)
        {
            case EmailMode.Smtp:
                if (string.IsNullOrWhiteSpace(options.Smtp.Host))
                {
                    failures.Add("Argy:Email:Smtp:Host is required when Argy:Email:Mode is Smtp.");
                }

                if (options.Smtp.Port is < 1 or > 65535)
                {
                    failures.Add("Argy:Email:Smtp:Port must be between 1 and 65535.");
                }

                if (options.Smtp.Timeout <= TimeSpan.Zero || options.Smtp.Timeout > TimeSpan.FromMinutes(5))
                {
                    failures.Add("Argy:Email:Smtp:Timeout must be positive and at most 5 minutes.");
                }

                if (!string.IsNullOrEmpty(options.Smtp.Username) && options.Smtp.Password is null)
                {
                    failures.Add("Argy:Email:Smtp:Password is required with Argy:Email:Smtp:Username.");
                }

                break;
            case EmailMode.Pickup:
                if (string.IsNullOrWhiteSpace(options.PickupDirectory))
                {
                    failures.Add("Argy:Email:PickupDirectory is required when Argy:Email:Mode is Pickup.");
                }

                break;
            default:
                failures.Add($"Argy:Email:Mode '{options.Mode}' is not Pickup or Smtp.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
