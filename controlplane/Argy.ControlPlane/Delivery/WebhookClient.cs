using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Delivery;

/// <summary>The outcome of one delivery attempt.</summary>
public sealed record DeliveryAttempt(bool Delivered, int? Status, string? Error)
{
    /// <summary>A 4xx other than 408 and 429: the receiver refuses the event itself, which an admin must fix.</summary>
    public bool Refused => Status is >= 400 and < 500 and not 408 and not 429;
}

/// <summary>
/// POSTs one event to a SIEM or webhook sink, signed with the sink's secret by the project's HMAC scheme
/// (protocol/signing.md, principal header <c>x-argy-webhook-id</c>) and carrying <c>x-argy-event-id</c>.
/// Redirects are not followed: only a 2xx from the configured URL counts as delivered.
/// </summary>
public sealed class WebhookClient : IDisposable
{
    public const string EventIdHeader = "x-argy-event-id";

    private readonly HttpClient _http;
    private readonly SecretBox _secrets;
    private readonly TimeProvider _time;

    public WebhookClient(SecretBox secrets, TimeProvider time, IOptions<DeliveryOptions> options)
    {
        _secrets = secrets;
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = options.Value.RequestTimeout,
        })
        {
            Timeout = options.Value.RequestTimeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Argy-Delivery", CefFormatter.Version));
    }

    /// <summary>The body of an event in the sink's format, and its media type.</summary>
    public static (byte[] Body, string MediaType) Render(DeliverySinkRow sink, AuditRecord record, string eventId) =>
        sink.Format == SinkFormat.Cef
            ? (Encoding.UTF8.GetBytes(CefFormatter.Format(record, eventId)), "text/plain")
            : (DeliveryEvent.ToJson(record, eventId), "application/json");

    public SigningKey KeyOf(DeliverySinkRow sink) =>
        new(sink.KeyId!, _secrets.Open(sink.SealedSecret, Encoding.UTF8.GetBytes(sink.Id)));

    public async Task<DeliveryAttempt> SendAsync(DeliverySinkRow sink, AuditRecord record, string eventId, CancellationToken cancellationToken)
    {
        SigningKey key;
        try
        {
            key = KeyOf(sink);
        }
        catch (CryptographicException)
        {
            return new DeliveryAttempt(false, null, "The sink's secret cannot be opened with this control plane's secrets key.");
        }

        var (body, mediaType) = Render(sink, record, eventId);
        using var request = new HttpRequestMessage(HttpMethod.Post, sink.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType, "utf-8");
        request.Headers.Add(EventIdHeader, eventId);
        HttpRequestSigner.Sign(request, key, sink.TenantId, ProtocolHeaders.WebhookId, sink.Id, body, _time);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new DeliveryAttempt(true, status, null)
                : new DeliveryAttempt(false, status, $"The receiver answered {status} {Reason(response.StatusCode)}.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new DeliveryAttempt(false, null, e is OperationCanceledException
                ? "The receiver did not answer in time."
                : "The receiver could not be reached: " + e.Message);
        }
    }

    private static string Reason(HttpStatusCode code) => Enum.IsDefined(code) ? code.ToString() : "";

    public void Dispose() => _http.Dispose();
}
