using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Argy.Cli.Common;

namespace Argy.Cli.Api;

/// <summary>The control plane's REST API, v1.</summary>
internal sealed partial class ArgyApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private readonly HttpClient _http;
    private readonly string? _token;

    private ArgyApiClient(HttpClient http, string? token)
    {
        _http = http;
        _token = token;
    }

    public Uri BaseUrl => _http.BaseAddress!;

    public static ArgyApiClient Create(ConnectionSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.All,
        };
        var http = new HttpClient(handler)
        {
            BaseAddress = settings.BaseUrl,
            // Log streams stay open for as long as the run lasts; per-request timeouts cover the rest.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var version = typeof(ArgyApiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("argy", version.Split('+')[0]));
        return new ArgyApiClient(http, settings.Token);
    }

    public Task<ApiResult<CreatedAgent>> CreateAgentAsync(CreateAgentRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/v1/agents", Json(request, ArgyJsonContext.Default.CreateAgentRequest), ArgyJsonContext.Default.CreatedAgent, ct);

    public Task<ApiResult<ItemList<Agent>>> ListAgentsAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/agents", null, ArgyJsonContext.Default.ItemListAgent, ct);

    public Task<ApiResult<Agent>> RevokeAgentAsync(string agentId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/agents/{Escape(agentId)}/revoke", null, ArgyJsonContext.Default.Agent, ct);

    public Task<ApiResult<Deployment>> CreateDeploymentAsync(CreateDeploymentRequest request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/v1/deployments", Json(request, ArgyJsonContext.Default.CreateDeploymentRequest), ArgyJsonContext.Default.Deployment, ct);

    public Task<ApiResult<Deployment>> GetDeploymentAsync(string runId, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"api/v1/deployments/{Escape(runId)}", null, ArgyJsonContext.Default.Deployment, ct);

    public Task<ApiResult<ItemList<Deployment>>> ListDeploymentsAsync(string? status, int limit, CancellationToken ct)
    {
        var query = status is null ? $"?limit={limit}" : $"?status={Escape(status)}&limit={limit}";
        return SendAsync(HttpMethod.Get, "api/v1/deployments" + query, null, ArgyJsonContext.Default.ItemListDeployment, ct);
    }

    public Task<ApiResult<Deployment>> CancelDeploymentAsync(string runId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/deployments/{Escape(runId)}/cancel", null, ArgyJsonContext.Default.Deployment, ct);

    /// <summary>
    /// Reads a run's log as NDJSON. Failures while reading the body surface as <see cref="IOException"/>
    /// so the caller can resume with <paramref name="after"/>.
    /// </summary>
    public async IAsyncEnumerable<LogChunk> ReadLogsAsync(
        string runId, bool follow, long? after, [EnumeratorCancellation] CancellationToken ct)
    {
        var path = $"api/v1/deployments/{Escape(runId)}/logs?follow={(follow ? "true" : "false")}"
            + (after is { } seq ? $"&after={seq}" : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));

        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseHeadersRead, ct, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseChunk(line);
        }
    }

    public void Dispose() => _http.Dispose();

    private static LogChunk ParseChunk(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ArgyJsonContext.Default.LogChunk)
                ?? throw new IOException("the log stream sent an empty line");
        }
        catch (JsonException ex)
        {
            // Only the last line of a cut-off stream is incomplete; resuming re-delivers it whole.
            throw new IOException("the log stream ended in the middle of a line", ex);
        }
    }

    private async Task<ApiResult<T>> SendAsync<T>(
        HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> responseType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);

        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token, ct);
        string json;
        try
        {
            json = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw Unreachable(ex);
        }

        try
        {
            var value = JsonSerializer.Deserialize(json, responseType)
                ?? throw new InvalidDataException("unexpected answer from the control plane: empty body");
            return new ApiResult<T>(value, json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"unexpected answer from the control plane: {ex.Message}", ex);
        }
    }

    private async Task<HttpResponseMessage> SendCoreAsync(
        HttpRequestMessage request, HttpCompletionOption completion, CancellationToken requestToken, CancellationToken userToken)
    {
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, requestToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException
            || (ex is OperationCanceledException && !userToken.IsCancellationRequested))
        {
            throw Unreachable(ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ApiException.FromResponseAsync(response, _token is not null, userToken);
        }
    }

    private ControlPlaneUnreachableException Unreachable(Exception ex)
    {
        // HttpClient wraps the useful part ("Connection refused", "Name or service not known") in a generic message.
        var reason = ex is OperationCanceledException ? "no answer in time" : Innermost(ex).Message;
        return new ControlPlaneUnreachableException($"cannot reach the control plane at {BaseUrl.AbsoluteUri.TrimEnd('/')}: {reason}", ex);
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private static StringContent Json<T>(T value, JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
