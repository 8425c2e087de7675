using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Argy.ControlPlane.Users;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Llm;

/// <summary>The real control plane with a gateway token (PLATFORM_ENGINEER holds llm:gateway) and helpers for credits.</summary>
internal sealed class LlmHarness : IAsyncDisposable
{
    public const long Credit = 1_000_000;

    private LlmHarness(TestControlPlane controlPlane)
    {
        ControlPlane = controlPlane;
        Gateway = controlPlane.Http(controlPlane.Token(Roles.PlatformEngineer));
        Admin = controlPlane.Admin();
    }

    public TestControlPlane ControlPlane { get; }

    public HttpClient Gateway { get; }

    public HttpClient Admin { get; }

    public TenantScope Scope => TenantScope.Of(ControlPlane.TenantId);

    public static async Task<LlmHarness> StartAsync() => new(await TestControlPlane.StartAsync());

    public string User(string role = Roles.User) =>
        ControlPlane.Services.GetRequiredService<UserStore>().Create(Scope,
            new NewUser($"u{Guid.NewGuid():N}@example.test", "", null, null, role, UserStatus.Active, UserSource.Invitation))!.Id;

    /// <summary>A user of the given role whose monthly quota is overridden to a number of tokens.</summary>
    public async Task<string> UserWithQuotaAsync(long tokens)
    {
        var user = User();
        await TestControlPlane.Json(await Admin.PutAsJsonAsync($"/api/v1/llm/quotas/users/{user}", new { monthlyCredits = (decimal)tokens / Credit }), 200);
        return user;
    }

    public async Task SettingsAsync(object body) => await TestControlPlane.Json(await Admin.PutAsJsonAsync("/api/v1/llm/quotas", body), 200);

    public Task<HttpResponseMessage> AuthorizeAsync(string user, long estimate, string model = "gpt-test") =>
        Gateway.PostAsJsonAsync("/api/v1/llm/authorize", new { user, model, estimatedTokens = estimate, correlationId = Guid.NewGuid().ToString("N") });

    public async Task<string> ReserveAsync(string user, long estimate) =>
        (string)(await TestControlPlane.Json(await AuthorizeAsync(user, estimate), 201))["reservationId"]!;

    public Task<HttpResponseMessage> RecordAsync(string user, long input, long output, string? correlationId = null, string model = "gpt-test") =>
        Gateway.PostAsJsonAsync("/api/v1/llm/usage", new { user, model, inputTokens = input, outputTokens = output, correlationId = correlationId ?? Guid.NewGuid().ToString("N") });

    public async Task<JsonObject> BalanceAsync(string user) =>
        await TestControlPlane.Json(await Gateway.GetAsync($"/api/v1/llm/users/{user}/credits"), 200);

    /// <summary>The tenant's audit records of an action, read from the database.</summary>
    public List<(string Outcome, string? ResourceId, JsonObject Data)> Audit(string action)
    {
        using var connection = ControlPlane.Services.GetRequiredService<Database>().Open();
        return connection.Query<(string Outcome, string? ResourceId, string? Data)>(
                "SELECT outcome, resource_id, data FROM audit_events WHERE tenant_id = @tenant AND action = @action ORDER BY seq",
                new { tenant = ControlPlane.TenantId, action })
            .Select(r => (r.Outcome, r.ResourceId, r.Data is null ? new JsonObject() : JsonNode.Parse(r.Data)!.AsObject()))
            .ToList();
    }

    public async ValueTask DisposeAsync() => await ControlPlane.DisposeAsync();
}
