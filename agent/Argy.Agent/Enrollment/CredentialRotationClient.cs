using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Argy.Agent.State;
using Argy.Protocol;
using Argy.Protocol.Signing;

namespace Argy.Agent.Enrollment;

/// <summary>What the control plane answers a rotation with.</summary>
internal sealed class RotatedCredential
{
    public string? AgentId { get; init; }

    public string? TenantId { get; init; }

    public string? Credential { get; init; }

    public string? AuthMode { get; init; }

    public string? KeyId { get; init; }

    public DateTimeOffset PreviousKeysExpireAt { get; init; }
}

/// <summary>
/// Asks the control plane for a new credential, authenticated by the current one: the request is signed with
/// the HMAC key (method, path and body are covered) or carries the API key.
/// </summary>
internal sealed class CredentialRotationClient(HttpClient http, TimeProvider time)
{
    public async Task<(AgentState State, DateTimeOffset PreviousExpiresAt)> RotateAsync(AgentState state, CancellationToken cancellationToken)
    {
        var baseUrl = state.ControlPlaneUrl.AbsolutePath.EndsWith('/') ? state.ControlPlaneUrl : new Uri(state.ControlPlaneUrl.GetLeftPart(UriPartial.Path) + "/");
        var endpoint = new Uri(baseUrl, $"api/v1/agents/{Uri.EscapeDataString(state.AgentId)}/credentials/rotate");
        var body = "{}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (state.AuthMode == AuthModes.Hmac)
        {
            HttpRequestSigner.Sign(request, new SigningKey(state.KeyId!, state.Credential), state.TenantId, ProtocolHeaders.AgentId, state.AgentId, body, time);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(ProtocolHeaders.Authorization, $"{ProtocolHeaders.ApiKeyScheme} {state.Credential}");
            request.Headers.Add(ProtocolHeaders.AgentId, state.AgentId);
            request.Headers.Add(ProtocolHeaders.TenantId, state.TenantId);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new EnrollmentException($"cannot reach control plane at {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", refused: false, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var problem = await TryReadProblemAsync(response, cancellationToken);
                throw new EnrollmentException(
                    problem?.Detail ?? $"control plane answered {(int)response.StatusCode} {response.ReasonPhrase}",
                    refused: response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
            }

            RotatedCredential? rotated;
            try
            {
                rotated = await response.Content.ReadFromJsonAsync(EnrollmentJsonContext.Default.RotatedCredential, cancellationToken);
            }
            catch (JsonException ex)
            {
                throw new EnrollmentException($"control plane sent an unreadable answer: {ex.Message}", refused: false, ex);
            }

            if (rotated is not { Credential.Length: > 0, KeyId.Length: > 0 } || rotated.AgentId != state.AgentId
                || rotated.AuthMode is not (AuthModes.ApiKey or AuthModes.Hmac))
            {
                throw new EnrollmentException("control plane sent an incomplete rotation answer", refused: false);
            }

            return (new AgentState
            {
                AgentId = state.AgentId,
                TenantId = state.TenantId,
                Credential = rotated.Credential,
                ControlPlaneUrl = state.ControlPlaneUrl,
                GrpcUrl = state.GrpcUrl,
                Name = state.Name,
                Tags = state.Tags,
                EnrolledAt = state.EnrolledAt,
                AuthMode = rotated.AuthMode,
                KeyId = rotated.KeyId,
            }, rotated.PreviousKeysExpireAt);
        }
    }

    private static async Task<ProblemDetailsBody?> TryReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(EnrollmentJsonContext.Default.ProblemDetailsBody, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
