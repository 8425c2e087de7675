using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Email;
using Argy.ControlPlane.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>
/// The control plane in-process on a real Kestrel listening dual-stack on [::] (so 127.0.0.1 and ::1 both reach
/// it), with a fake clock and the outgoing mail captured instead of sent.
/// </summary>
internal sealed class IamHost : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "argy-iam-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly WebApplicationFactory<Program> _factory;
    private readonly List<IDisposable> _owned = [];

    private IamHost()
    {
        Directory.CreateDirectory(_directory);
        var settings = new Dictionary<string, string?>
        {
            ["Argy:Storage:DatabasePath"] = Path.Combine(_directory, "argy.db"),
            ["Argy:Secrets:Key"] = Convert.ToBase64String(SecretKey),
            ["Argy:Server:Http"] = "[::]:0",
            ["Argy:Server:Grpc"] = "127.0.0.1:0",
            ["Argy:Bootstrap:Auto"] = "false",
            ["Argy:Email:Mode"] = "Pickup",
            ["Argy:Email:PickupDirectory"] = Path.Combine(_directory, "mail"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                services.AddSingleton<IEmailOutbox>(Mail);
            });
        });
        _factory.UseKestrel();
    }

    public byte[] SecretKey { get; } = RandomNumberGenerator.GetBytes(32);

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public CapturedMail Mail { get; } = new();

    public string DatabasePath => Path.Combine(_directory, "argy.db");

    public int Port { get; private set; }

    public string TenantId { get; private set; } = "";

    public string AdminToken { get; private set; } = "";

    public IServiceProvider Services => _factory.Services;

    public static Task<IamHost> StartAsync()
    {
        var host = new IamHost();
        host._factory.StartServer();
        host.Port = host.Services.GetRequiredService<BoundEndpoints>().Http!.Port;
        var admin = host.Services.GetRequiredService<Bootstrapper>().CreateTenant("default")!;
        host.TenantId = admin.TenantId;
        host.AdminToken = admin.Token;
        return Task.FromResult(host);
    }

    /// <summary>A client reaching the control plane from 127.0.0.1, or from ::1 with <paramref name="ipv6"/>.</summary>
    public HttpClient Client(string? token = null, bool ipv6 = false)
    {
        var client = new HttpClient { BaseAddress = new Uri(ipv6 ? $"http://[::1]:{Port}" : $"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        _owned.Add(client);
        return client;
    }

    public static async Task<JsonObject> Json(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the response was: {0}", text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<string> InviteAsync(HttpClient admin, string email, string role = "PLATFORM_USER") =>
        (string)(await Json(await admin.PostAsJsonAsync("/api/v1/users", new { email, role }), 201))["user"]!["id"]!;

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Messages the control plane would have sent.</summary>
internal sealed class CapturedMail : IEmailOutbox
{
    private readonly ConcurrentQueue<EmailMessage> _messages = new();

    public void Enqueue(EmailMessage message) => _messages.Enqueue(message);

    public EmailMessage Last(string to) => _messages.Last(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase));

    public int Count(string to) => _messages.Count(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase));

    public static string Token(EmailMessage message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message.TextBody, @"\?token=([^\s']+)");
        match.Success.Should().BeTrue(message.TextBody);
        return Uri.UnescapeDataString(match.Groups[1].Value);
    }
}
