using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.Signing;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Delivery;

/// <summary>
/// The real control plane with short delivery backoffs, and its fake clock moved forward in the background (100 ms
/// of fake time every 10 ms) so retries and polls happen without the test sleeping on them.
/// </summary>
internal sealed class DeliveryHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;

    private DeliveryHost(TestControlPlane controlPlane) => ControlPlane = controlPlane;

    public TestControlPlane ControlPlane { get; }

    /// <param name="pumpClock">false: the fake clock stands still, so no poll and no retry ever becomes due.</param>
    public static async Task<DeliveryHost> StartAsync(IReadOnlyDictionary<string, string?>? extra = null, bool pumpClock = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Argy:Delivery:InitialBackoff"] = "00:00:00.100",
            ["Argy:Delivery:MaxBackoff"] = "00:00:00.800",
            ["Argy:Delivery:PollInterval"] = "00:00:00.500",
            ["Argy:Delivery:RequestTimeout"] = "00:00:05",
            ["Argy:Delivery:BatchSize"] = "7",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = new DeliveryHost(await TestControlPlane.StartAsync(settings));
        if (pumpClock)
        {
            host._pump = host.PumpAsync(host._stop.Token);
        }

        return host;
    }

    private async Task PumpAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(10, stop);
                ControlPlane.Time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Appends audit records the way a feature does: in a write transaction of its own.</summary>
    public IReadOnlyList<AuditRecord> Append(string tenantId, params AuditEntry[] entries)
    {
        var database = ControlPlane.Services.GetRequiredService<Database>();
        var audit = ControlPlane.Services.GetRequiredService<AuditTrail>();
        var records = new List<AuditRecord>();
        foreach (var entry in entries)
        {
            using var connection = database.Open();
            using var transaction = Database.BeginWrite(connection);
            records.Add(audit.Append(connection, transaction, TenantScope.Of(tenantId), entry, AuditActor.System));
            transaction.Commit();
        }

        return records;
    }

    public IReadOnlyList<AuditRecord> Append(params AuditEntry[] entries) => Append(ControlPlane.TenantId, entries);

    public string CreateTenant(string name) => ControlPlane.Services.GetRequiredService<Bootstrapper>().CreateTenant(name)!.TenantId;

    /// <summary>Creates a sink through the API; returns its id and secret, and points the receiver (if any) at it.</summary>
    public async Task<(string Id, string? Secret, JsonObject Sink)> CreateSinkAsync(object request, WebhookReceiver? receiver = null)
    {
        var created = await TestControlPlane.Json(await ControlPlane.Admin().PostAsJsonAsync("/api/v1/delivery/sinks", request), 201);
        var sink = created["sink"]!.AsObject();
        var id = (string)sink["id"]!;
        var secret = (string?)created["secret"];
        if (receiver is not null)
        {
            receiver.SinkId = id;
            receiver.TenantId = ControlPlane.TenantId;
            receiver.Key = new SigningKey((string)sink["keyId"]!, secret!);
        }

        return (id, secret, sink);
    }

    public async Task<JsonObject> GetSinkAsync(string id) =>
        await TestControlPlane.Json(await ControlPlane.Admin().GetAsync($"/api/v1/delivery/sinks/{id}"), 200);

    /// <summary>Polls (real time, generous) until the condition holds.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string because, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting: " + because);
            }

            await Task.Delay(50);
        }
    }

    public static Task Eventually(Func<bool> condition, string because, int seconds = 60) => Eventually(() => Task.FromResult(condition()), because, seconds);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        await ControlPlane.DisposeAsync();
        _stop.Dispose();
    }
}
