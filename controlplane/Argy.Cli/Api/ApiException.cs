using System.Net;
using System.Text.Json;

namespace Argy.Cli.Api;

/// <summary>The control plane answered with an error status.</summary>
internal sealed class ApiException(HttpStatusCode statusCode, string message, IReadOnlyList<string> validationErrors)
    : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>"field: message" lines from a validation problem.</summary>
    public IReadOnlyList<string> ValidationErrors { get; } = validationErrors;

    /// <summary>The Retry-After of a 429 (or 503): how long to wait before trying again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static async Task<ApiException> FromResponseAsync(HttpResponseMessage response, bool sentToken, CancellationToken ct)
    {
        var status = response.StatusCode;
        var problem = await ReadProblemAsync(response, ct);

        var message = FirstNonBlank(problem?.Detail, problem?.Title)
            ?? $"HTTP {(int)status} {response.ReasonPhrase}".TrimEnd();
        if (status == HttpStatusCode.Unauthorized && !sentToken)
        {
            message += " (no token: pass --token or set ARGY_TOKEN)";
        }

        var errors = (problem?.Errors ?? [])
            .SelectMany(field => field.Value.Select(text => field.Key.Length == 0 ? text : $"{field.Key}: {text}"))
            .ToList();

        var retryAfter = response.Headers.RetryAfter is { } header
            ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        if (retryAfter is { } wait && status == HttpStatusCode.TooManyRequests)
        {
            message = $"{message.TrimEnd()} (retry after {Common.Durations.Format(wait)})";
        }

        return new ApiException(status, message, errors) { RetryAfter = retryAfter };
    }

    private static async Task<ProblemDetails?> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (!mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            return JsonSerializer.Deserialize(body, ArgyJsonContext.Default.ProblemDetails);
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            // The status code alone still tells the user what happened.
            return null;
        }
    }

    private static string? FirstNonBlank(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
