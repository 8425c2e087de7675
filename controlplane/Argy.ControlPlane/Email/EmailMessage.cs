namespace Argy.ControlPlane.Email;

/// <summary>A message to one recipient, with a plain-text body and an optional HTML alternative.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string? HtmlBody = null);

/// <summary>Takes messages to send; sending happens in the background, so callers never wait on (or learn about) SMTP.</summary>
public interface IEmailOutbox
{
    void Enqueue(EmailMessage message);
}

/// <summary>Delivers one message, or throws.</summary>
public interface IEmailTransport
{
    Task SendAsync(MimeKit.MimeMessage message, CancellationToken cancellationToken);
}
