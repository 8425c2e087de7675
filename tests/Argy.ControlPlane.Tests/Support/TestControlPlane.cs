using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Tenancy;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Argy.ControlPlane.Tests.Support;

/// <summary>
/// The real control plane in-process on Kestrel (127.0.0.1, ephemeral ports, REST and h2c gRPC) with a
/// temporary SQLite file and its clock replaced by a <see cref="FakeTimeProvider"/>, so expiry, skew and
/// grace periods are driven by the test instead of waited for.
/// </summary>
public sealed class TestControlPlane : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "argy-cp-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly WebApplicationFactory<Program> _factory;
    private readonly List<IDisposable> _owned = [];

    private readonly Dictionary<string, string?> _settings;

    private TestControlPlane(IReadOnlyDictionary<string, string?> settings, TestControlPlane? sharing)
    {
        Directory.CreateDirectory(_directory);
        var all = _settings = new Dictionary<string, string?>
        {
            ["Argy:Storage:DatabasePath"] = sharing?._settings["Argy:Storage:DatabasePath"] ?? Path.Combine(_directory, "argy.db"),
            ["Argy:Secrets:Key"] = sharing?._settings["Argy:Secrets:Key"] ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Argy:Server:Http"] = "127.0.0.1:0",
            ["Argy:Server:Grpc"] = "127.0.0.1:0",
            ["Argy:Bootstrap:Auto"] = "false",
            ["Argy:Agents:HeartbeatInterval"] = "00:10:00",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in all)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
        });
        _factory.UseKestrel();
    }

    /// <summary>Starts at a whole second, so signed Unix-second timestamps line up exactly with the clock.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public Uri HttpUrl { get; private set; } = null!;

    public Uri GrpcUrl { get; private set; } = null!;

    public string TenantId { get; private set; } = "";

    public string AdminToken { get; private set; } = "";

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts a control plane; with <paramref name="sharingDatabaseWith"/>, a second instance on the same SQLite file
    /// and secret key (as several replicas behind a load balancer), acting in the same tenant with the same admin token.
    /// </summary>
    public static async Task<TestControlPlane> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, TestControlPlane? sharingDatabaseWith = null)
    {
        var controlPlane = new TestControlPlane(settings ?? new Dictionary<string, string?>(), sharingDatabaseWith);
        controlPlane._factory.StartServer();
        var bound = controlPlane.Services.GetRequiredService<BoundEndpoints>();
        controlPlane.HttpUrl = new Uri($"http://{bound.Http}");
        controlPlane.GrpcUrl = new Uri($"http://{bound.Grpc}");
        if (sharingDatabaseWith is not null)
        {
            controlPlane.TenantId = sharingDatabaseWith.TenantId;
            controlPlane.AdminToken = sharingDatabaseWith.AdminToken;
            return controlPlane;
        }

        // A database reused from an earlier start already has "default": give this start a tenant of its own.
        var bootstrapper = controlPlane.Services.GetRequiredService<Bootstrapper>();
        var admin = bootstrapper.CreateTenant("default") ?? bootstrapper.CreateTenant("default-" + Guid.NewGuid().ToString("N")[..8])!;
        controlPlane.TenantId = admin.TenantId;
        controlPlane.AdminToken = admin.Token;
        await Task.CompletedTask;
        return controlPlane;
    }

    /// <summary>A REST client, with a bearer token when given.</summary>
    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = HttpUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        _owned.Add(client);
        return client;
    }

    public HttpClient Admin() => Http(AdminToken);

    public GrpcChannel Channel()
    {
        var channel = GrpcChannel.ForAddress(GrpcUrl);
        _owned.Add(channel);
        return channel;
    }

    /// <summary>An API token of the default tenant with the given role.</summary>
    public string Token(string role) =>
        Services.GetRequiredService<ApiTokenStore>().Create(TenantScope.Of(TenantId), "test " + role, role).Token;

    /// <summary>Creates an agent through the API and enrolls it with its one-time token.</summary>
    public async Task<EnrolledAgent> EnrollAgentAsync(string? name = null, params string[] tags)
    {
        var admin = Admin();
        name ??= "agent-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Json(await admin.PostAsJsonAsync("/api/v1/agents", new { name, tags }), 201);
        var enrolled = await Json(await Http().PostAsJsonAsync("/api/v1/agents/enroll", new
        {
            token = (string)created["enrollmentToken"]!,
            hostname = "host-1",
            os = "linux",
            arch = "x64",
            version = "0.1.0",
        }), 200);
        return EnrolledAgent.From(enrolled);
    }

    public static async Task<JsonObject> Json(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the response was: {0}", text);
        return JsonNode.Parse(text)!.AsObject();
    }

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

/// <summary>What enrollment handed an agent.</summary>
public sealed record EnrolledAgent(string AgentId, string TenantId, string Credential, string AuthMode, string KeyId)
{
    public static EnrolledAgent From(JsonObject body) => new(
        (string)body["agentId"]!, (string)body["tenantId"]!, (string)body["credential"]!, (string)body["authMode"]!, (string)body["keyId"]!);

    public Argy.Protocol.Signing.SigningKey Key => new(KeyId, Credential);
}
