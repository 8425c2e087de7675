using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Argy.Cli.Api;

/// <summary>The administration endpoints (users, teams, products, tokens, settings), handled as JSON documents.</summary>
internal sealed partial class ArgyApiClient
{
    /// <summary>Sends a request with an optional JSON body and returns the JSON answer (null for 204 No Content).</summary>
    public async Task<ApiResult<JsonNode?>> SendJsonAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
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

        if (string.IsNullOrWhiteSpace(json))
        {
            return new ApiResult<JsonNode?>(null, "");
        }

        try
        {
            return new ApiResult<JsonNode?>(JsonNode.Parse(json), json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"unexpected answer from the control plane: {ex.Message}", ex);
        }
    }

    /// <summary>A plain-text (or XML) answer as-is.</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token, ct);
        try
        {
            return await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw Unreachable(ex);
        }
    }

    public static string Segment(string value) => Escape(value);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
