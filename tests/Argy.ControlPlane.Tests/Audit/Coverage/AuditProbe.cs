using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Scim;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Argy.ControlPlane.Users;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit.Coverage;

/// <summary>What a route's request must leave in the audit trail: who, on which resource.</summary>
public sealed record Expected(string ActorType, string? ActorId, string? ResourceId, Func<JsonNode?, string?>? ResourceIdFromResponse = null)
{
    /// <summary>The resource id is not known in advance and not in the response; it must just be there.</summary>
    public const string AnyId = "*";
}

/// <summary>A request ready to send, and what it must record.</summary>
public sealed record Arranged(HttpRequestMessage Request, Expected Expect);

/// <summary>
/// A test's view of a running control plane's audit trail, and the small arrange steps the route table uses
/// (they record as usual; only records after the arranged request counts are looked at).
/// </summary>
public sealed class AuditProbe(TestControlPlane controlPlane)
{
    public const string UserAgent = "argy-audit-coverage/1.0";

    private string? _adminTokenId;

    public TestControlPlane ControlPlane { get; } = controlPlane;

    public TenantScope Scope => TenantScope.Of(ControlPlane.TenantId);

    public string AdminTokenId => _adminTokenId ??=
        ControlPlane.Services.GetRequiredService<ApiTokenStore>().Authenticate(ControlPlane.AdminToken)!.Id;

    public Expected ByAdmin(string? resourceId) => new(AuditActorType.Token, AdminTokenId, resourceId);

    public Expected ByAdmin(Func<JsonNode?, string?> fromResponse) => new(AuditActorType.Token, AdminTokenId, null, fromResponse);

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public long LastSeq()
    {
        using var connection = ControlPlane.Services.GetRequiredService<Database>().Open();
        return connection.ExecuteScalar<long>("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    }

    public IReadOnlyList<AuditRecord> RecordsAfter(long seq)
    {
        using var connection = ControlPlane.Services.GetRequiredService<Database>().Open();
        return connection.Query<AuditRecord>("SELECT * FROM audit_events WHERE seq > @seq ORDER BY seq", new { seq }).AsList();
    }

    /// <summary>Polls until records matching <paramref name="match"/> appear (for the batched refusals and the agent stream).</summary>
    public async Task<IReadOnlyList<AuditRecord>> WaitForAsync(long afterSeq, Func<AuditRecord, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var found = RecordsAfter(afterSeq).Where(match).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A request with a JSON body (or none), as the admin token unless another bearer (or none: "") is given.</summary>
    public HttpRequestMessage Json(string method, string path, object? body = null, string? bearer = null, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(ControlPlane.HttpUrl, path));
        if (body is not null)
        {
            var text = body is JsonNode node ? node.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(body, Web);
            request.Content = new StringContent(text, Encoding.UTF8, mediaType);
        }

        var token = bearer ?? ControlPlane.AdminToken;
        if (token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    public HttpRequestMessage Form(string path, params (string Name, string Value)[] fields) =>
        new(HttpMethod.Post, new Uri(ControlPlane.HttpUrl, path))
        {
            Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        };

    /// <summary>Sends with the audit headers: a user agent and the given correlation id.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string correlationId)
    {
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.Add(AuditTrail.CorrelationHeader, correlationId);
        return await ControlPlane.Http().SendAsync(request);
    }

    /// <summary>An arrange step as the admin: must succeed; returns the JSON answer.</summary>
    public async Task<JsonObject> AdminAsync(string method, string path, object? body = null)
    {
        var response = await ControlPlane.Http().SendAsync(Json(method, path, body));
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeInRange(200, 299, "arranging {0} {1} answered {2}", method, path, text);
        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    public async Task<string> CreatedIdAsync(string path, object body) => (string)(await AdminAsync("POST", path, body))["id"]!;

    public async Task<(string Id, string Email)> InvitedUserAsync()
    {
        var email = Unique("user") + "@example.test";
        var invited = await AdminAsync("POST", "/api/v1/users", new { email, role = Roles.Viewer });
        return ((string)invited["user"]!["id"]!, email);
    }

    /// <summary>A one-time link for a user, as the email would carry it.</summary>
    public string Link(string userId, string purpose) =>
        ControlPlane.Services.GetRequiredService<UserStore>().CreateLink(Scope, userId, purpose, TimeSpan.FromHours(1), voidEarlier: false).Token;

    /// <summary>An invited user who activated their account: signed in, with a session token.</summary>
    public async Task<SignedIn> ActiveUserAsync()
    {
        var (id, email) = await InvitedUserAsync();
        return await RedeemAsync("/api/v1/auth/activate", Link(id, LinkPurpose.Activation), id, email);
    }

    public async Task<SignedIn> SignInAgainAsync(SignedIn user) =>
        await RedeemAsync("/api/v1/auth/magic-link/redeem", Link(user.UserId, LinkPurpose.SignIn), user.UserId, user.Email);

    public async Task<string> ScimTokenAsync() => (string)(await AdminAsync("POST", "/api/v1/settings/scim/token"))["token"]!;

    public string ScimTokenId() => ControlPlane.Services.GetRequiredService<ScimTokenStore>().Current(Scope)!.Id;

    public Expected ByScim(string? resourceId, Func<JsonNode?, string?>? fromResponse = null) =>
        new(AuditActorType.Token, ScimTokenId(), resourceId, fromResponse);

    private async Task<SignedIn> RedeemAsync(string path, string token, string userId, string email)
    {
        var response = await ControlPlane.Http().SendAsync(Json("POST", path, new { token }, bearer: ""));
        var body = await TestControlPlane.Json(response, 200);
        return new SignedIn(userId, email, (string)body["accessToken"]!, (string)body["session"]!["id"]!);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);
}

public sealed record SignedIn(string UserId, string Email, string AccessToken, string SessionId);
