using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argy.Agent.State;
using Argy.Protocol.Signing;

namespace Argy.Agent.Enrollment;

/// <summary>Trades a one-time enrollment token for the agent's identity and credential.</summary>
internal sealed class EnrollmentClient(HttpClient http, TimeProvider time)
{
    public const string EnrollPath = "api/v1/agents/enroll";

    public async Task<AgentState> EnrollAsync(Uri controlPlane, string token, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(WithTrailingSlash(controlPlane), EnrollPath);
        var request = new EnrollmentRequest(token, AgentInfo.Hostname, AgentInfo.Os, AgentInfo.Arch, AgentInfo.Version);

        using var response = await SendAsync(endpoint, request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ToExceptionAsync(response, cancellationToken);
        }

        EnrollmentResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(EnrollmentJsonContext.Default.EnrollmentResponse, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new EnrollmentException($"control plane sent an unreadable answer: {ex.Message}", refused: false, ex);
        }

        return ToState(controlPlane, body, time.GetUtcNow());
    }

    private async Task<HttpResponseMessage> SendAsync(Uri endpoint, EnrollmentRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.PostAsJsonAsync(endpoint, request, EnrollmentJsonContext.Default.EnrollmentRequest, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new EnrollmentException($"cannot reach control plane at {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", refused: false, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EnrollmentException($"control plane at {endpoint.GetLeftPart(UriPartial.Authority)} did not answer within {http.Timeout.TotalSeconds:0} s", refused: false, ex);
        }
    }

    private static async Task<EnrollmentException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var refused = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
        var problem = await TryReadProblemAsync(response, cancellationToken);
        var text = FirstNonEmpty(problem?.Detail, problem?.Title)
            ?? $"control plane answered {(int)response.StatusCode} {response.ReasonPhrase}";
        return new EnrollmentException(OneLine(text), refused);
    }

    private static async Task<ProblemDetailsBody?> TryReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(EnrollmentJsonContext.Default.ProblemDetailsBody, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not a problem document (a proxy's HTML page, an empty body): the status line is all there is.
            return null;
        }
    }

    internal static AgentState ToState(Uri controlPlane, EnrollmentResponse? body, DateTimeOffset now)
    {
        if (body is null
            || string.IsNullOrWhiteSpace(body.AgentId)
            || string.IsNullOrWhiteSpace(body.TenantId)
            || string.IsNullOrWhiteSpace(body.Credential)
            || string.IsNullOrWhiteSpace(body.GrpcUrl))
        {
            throw new EnrollmentException("control plane answer lacks agentId, tenantId, credential or grpcUrl", refused: false);
        }

        if (!Uri.TryCreate(body.GrpcUrl, UriKind.Absolute, out var grpcUrl) || grpcUrl.Scheme is not ("http" or "https"))
        {
            throw new EnrollmentException($"control plane sent an invalid grpcUrl '{body.GrpcUrl}'", refused: false);
        }

        var mode = body.AuthMode ?? AuthModes.ApiKey;
        if (mode is not (AuthModes.ApiKey or AuthModes.Hmac) || (mode == AuthModes.Hmac && !CanonicalString.IsId(body.KeyId)))
        {
            throw new EnrollmentException($"control plane sent an unknown authentication mode '{mode}' or no key id", refused: false);
        }

        return new AgentState
        {
            AgentId = body.AgentId,
            TenantId = body.TenantId,
            Credential = body.Credential,
            ControlPlaneUrl = controlPlane,
            GrpcUrl = grpcUrl,
            Name = body.Name ?? "",
            Tags = body.Tags ?? [],
            EnrolledAt = now,
            AuthMode = mode,
            KeyId = body.KeyId,
        };
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
