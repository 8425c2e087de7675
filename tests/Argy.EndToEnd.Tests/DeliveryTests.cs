using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;
using Argy.Protocol;
using Argy.Protocol.Signing;

namespace Argy.EndToEnd.Tests;

/// <summary>SIEM and notification sinks through the real `argy` CLI and the real control plane process, crash included.</summary>
public sealed class DeliveryTests : IAsyncLifetime
{
    private ControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await ControlPlane.StartAsync(settings =>
    {
        settings["Argy__Delivery__InitialBackoff"] = "00:00:00.200";
        settings["Argy__Delivery__MaxBackoff"] = "00:00:01";
        settings["Argy__Delivery__PollInterval"] = "00:00:01";
    });

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task Siem_and_notification_sinks_from_the_cli()
    {
        using var receiver = new HookReceiver();
        receiver.Start();

        var added = await Ok("siem", "add", "--url", receiver.Url, "--format", "cef", "--events", "deployment.*,agent.revoked", "--name", "soc");
        added.Should().Contain("(siem, cef) -> " + receiver.Url).And.Contain("events: deployment.*,agent.revoked").And.Contain("secret: whsec_");
        var siemId = added.Split(' ')[1];
        string Field(string label) => added.Split('\n').Single(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();
        var key = new SigningKey(Field("key id:"), Field("secret:"));
        var email = await Ok("notifications", "add-email", "--to", "ops@example.test,oncall@example.test", "--json");
        var emailId = (string)JsonNode.Parse(email)!["sink"]!["id"]!;

        (await Ok("siem", "list")).Should().Contain(siemId).And.Contain("soc").And.NotContain(emailId);
        (await Ok("notifications", "list")).Should().Contain(emailId).And.Contain("ops@example.test,oncall@example.test").And.NotContain(siemId);

        (await Ok("siem", "test", siemId)).Should().StartWith("delivered evt_test_").And.Contain("the receiver answered 200");
        var test = receiver.Requests.Should().ContainSingle().Subject;
        HookReceiver.Verify(test, siemId, key).Should().Be(SignatureCheck.Valid);
        System.Text.Encoding.UTF8.GetString(test.Body).Should().StartWith("CEF:0|Argy|Argy Control Plane|").And.Contain("|delivery.test|");

        receiver.Status = 503;
        var failed = await ArgyCli.RunAsync(_controlPlane, null, "siem", "test", siemId);
        failed.ExitCode.Should().Be(1);
        failed.StandardError.Should().Contain("not delivered").And.Contain("503");

        (await Ok("siem", "update", siemId, "--disable")).Should().Contain("disabled");
        var bad = await ArgyCli.RunAsync(_controlPlane, null, "siem", "add", "--url", "ftp://siem.example.test/in");
        bad.ExitCode.Should().Be(2);
        bad.StandardError.Should().Contain("url");
        var badFormat = await ArgyCli.RunAsync(_controlPlane, null, "siem", "add", "--url", receiver.Url, "--format", "leef");
        badFormat.ExitCode.Should().Be(2);

        (await Ok("siem", "remove", siemId)).Should().Contain("removed");
        (await Ok("notifications", "remove", emailId)).Should().Contain("removed");
        (await Ok("siem", "list")).Should().NotContain(siemId);
    }

    [Fact]
    public async Task A_siem_down_across_a_control_plane_crash_receives_every_event_once_in_order()
    {
        using var receiver = new HookReceiver();
        var created = JsonNode.Parse(await Ok("siem", "add", "--url", receiver.Url, "--events", "delivery.sink.updated", "--json"))!;
        var siemId = (string)created["sink"]!["id"]!;
        var key = new SigningKey((string)created["sink"]!["keyId"]!, (string)created["secret"]!);
        using var api = _controlPlane.Api();
        var target = (string)(await ApiClient.ExpectJson(await api.Http.PostAsJsonAsync("/api/v1/delivery/sinks",
            new { kind = "email", recipients = new[] { "ops@example.test" } }), 201))["sink"]!["id"]!;

        async Task Rename(int from, int to)
        {
            using var client = _controlPlane.Api();
            for (var i = from; i < to; i++)
            {
                await ApiClient.ExpectJson(await client.Http.PatchAsJsonAsync($"/api/v1/delivery/sinks/{target}", new { name = $"name {i:D2}" }), 200);
            }
        }

        await Rename(0, 16);
        await _controlPlane.KillAsync();
        await _controlPlane.RestartAsync();
        await Rename(16, 32);
        receiver.Start();

        await Eventually.Until(() => Task.FromResult(receiver.Requests.Count), count => count >= 32, TimeSpan.FromSeconds(90), "32 deliveries");
        await Eventually.Until(async () => await ApiClient.ExpectJson(await api.Http.GetAsync($"/api/v1/delivery/sinks/{siemId}"), 200),
            sink => (long)sink["pending"]! == 0, TimeSpan.FromSeconds(30), "the sink to catch up");

        var requests = receiver.Requests.ToList();
        requests.Should().HaveCount(32, "each event is delivered once");
        var ids = requests.Select(r => long.Parse(r.EventId!["evt_".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        ids.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        requests.Select(r => (string)JsonNode.Parse(r.Body)!["resource"]!["id"]!).Should().AllBe(target);
        requests.Should().OnlyContain(r => HookReceiver.Verify(r, siemId, key) == SignatureCheck.Valid);
    }

    private async Task<string> Ok(params string[] arguments)
    {
        var result = await ArgyCli.RunAsync(_controlPlane, null, arguments);
        result.ExitCode.Should().Be(0, "argy {0}: {1}", string.Join(' ', arguments), result.StandardError);
        return result.StandardOutput;
    }

    internal sealed record Delivery(string? EventId, byte[] Body, string RawTarget, Dictionary<string, string?> Headers);

    /// <summary>A webhook receiver on a fixed loopback port (refusing connections until started), answering <see cref="Status"/>.</summary>
    private sealed class HookReceiver : IDisposable
    {
        private readonly int _port = FreePort();
        private HttpListener? _listener;

        public string Url => $"http://127.0.0.1:{_port}/siem/argy?src=e2e";

        public int Status { get; set; } = 200;

        public ConcurrentQueue<Delivery> Requests { get; } = new();

        public void Start()
        {
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        private async Task ServeAsync()
        {
            while (_listener is { IsListening: true } listener)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k.ToLowerInvariant(), k => context.Request.Headers[k]);
                var delivery = new Delivery(headers.GetValueOrDefault("x-argy-event-id"), body.ToArray(), context.Request.RawUrl ?? "", headers);
                var status = Status;
                if (status is >= 200 and < 300)
                {
                    Requests.Enqueue(delivery);
                }

                context.Response.StatusCode = status;
                context.Response.Close();
            }
        }

        /// <summary>Verifies a delivery as a receiver holding the sink's secret would (protocol/signing.md).</summary>
        public static SignatureCheck Verify(Delivery delivery, string sinkId, SigningKey key)
        {
            var verifier = new HttpRequestVerifier(new SignatureVerifier(TimeProvider.System,
                new NonceCache(TimeProvider.System, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew));
            return verifier.Verify("POST", delivery.RawTarget, name => delivery.Headers.GetValueOrDefault(name), delivery.Body,
                ProtocolHeaders.WebhookId, claims => claims.Principal == sinkId && claims.KeyId == key.KeyId ? key : null).Check;
        }

        public void Dispose()
        {
            if (_listener is not null)
            {
                _listener.Stop();
                _listener.Close();
            }
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
