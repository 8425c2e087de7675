using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Argy.ControlPlane.Email;

/// <summary>
/// Queues messages in memory and sends them in the background with retries. Requests never wait on the mail
/// server, and an answer takes the same time whether or not a message was sent, so sign-in requests do not
/// reveal which addresses exist.
/// </summary>
public sealed partial class EmailSender(
    IEmailTransport transport,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<EmailSender> logger) : BackgroundService, IEmailOutbox
{
    private readonly Channel<EmailMessage> _queue = Channel.CreateBounded<EmailMessage>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(EmailMessage message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            LogDropped(logger, message.Subject);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(EmailMessage message, CancellationToken stoppingToken)
    {
        var mime = ToMime(message);
        var attempts = options.Value.MaxAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                await transport.SendAsync(mime, stoppingToken);
                LogSent(logger, message.Subject, attempt);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt == attempts)
                {
                    LogGaveUp(logger, e, message.Subject, attempts);
                    return;
                }

                var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt)));
                LogRetrying(logger, message.Subject, attempt, delay, e.Message);
                await Task.Delay(delay, time, stoppingToken);
            }
        }
    }

    private MimeMessage ToMime(EmailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.Value.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Date = time.GetUtcNow();
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        mime.Body = body.ToMessageBody();
        return mime;
    }

    // Recipients are personal data and bodies carry sign-in links: the log names the subject only.
    [LoggerMessage(Level = LogLevel.Information, Message = "Email '{Subject}' sent (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, string subject, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email '{Subject}' not sent (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string subject, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Email '{Subject}' given up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string subject, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Email '{Subject}' dropped: the outgoing queue is full")]
    private static partial void LogDropped(ILogger logger, string subject);
}
