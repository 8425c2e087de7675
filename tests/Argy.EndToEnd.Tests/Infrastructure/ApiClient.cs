using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>A plain HTTP client for the REST API, as a script or CI job would use it.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(string baseUrl, string? token)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public HttpClient Http => _http;

    public async Task<JsonObject> CreateAgentAsync(string name, params string[] tags)
    {
        var response = await _http.PostAsJsonAsync("/api/v1/agents", new { name, tags });
        return await ExpectJson(response, 201);
    }

    public async Task<JsonObject> GetAgentAsync(string id) => await ExpectJson(await _http.GetAsync($"/api/v1/agents/{id}"), 200);

    public async Task<JsonObject> SubmitAsync(object deployment) =>
        await ExpectJson(await _http.PostAsJsonAsync("/api/v1/deployments", deployment), 202);

    public async Task<JsonObject> GetRunAsync(string runId) => await ExpectJson(await _http.GetAsync($"/api/v1/deployments/{runId}"), 200);

    public async Task<JsonObject> WaitForEndAsync(string runId, TimeSpan timeout) =>
        await Eventually.Until(() => GetRunAsync(runId), run => IsTerminal((string)run["status"]!), timeout, $"run {runId} to end");

    public async Task<byte[]> GetLogBytesAsync(string runId) => await _http.GetByteArrayAsync($"/api/v1/deployments/{runId}/logs");

    public async Task<List<JsonObject>> ListDeploymentsAsync()
    {
        var body = await ExpectJson(await _http.GetAsync("/api/v1/deployments?limit=500"), 200);
        return body["items"]!.AsArray().Select(n => n!.AsObject()).ToList();
    }

    public static bool IsTerminal(string status) => status is "Succeeded" or "Failed" or "Cancelled" or "TimedOut";

    public static async Task<JsonObject> ExpectJson(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the response was: {0}", text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts an RFC 9457 problem details answer with the given status and returns it.</summary>
    public static async Task<JsonObject> ExpectProblem(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the response was: {0}", text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(text)!.AsObject();
        ((int)problem["status"]!).Should().Be(status);
        ((string?)problem["title"]).Should().NotBeNullOrWhiteSpace();
        return problem;
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public void Dispose() => _http.Dispose();
}
