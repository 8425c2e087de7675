using System.Net.Http.Json;
using System.Text.Json;
using Argy.Agent.State;

namespace Argy.Agent.Enrollment;

/// <summary>
/// Interactive enrollment through the OAuth 2.0 device authorization grant (RFC 8628): ask for a code, let a
/// person approve it, poll until they do. Polls at the interval the control plane gives and adds 5 s on every
/// slow_down, as §3.5 requires.
/// </summary>
internal sealed class DeviceFlowClient(HttpClient http, TimeProvider time)
{
    public const string ClientId = "argy-agent";
    public const string Scope = "agent";
    public const string GrantType = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>How long to wait after a poll that got no answer at all (the control plane restarting, say).</summary>
    public static readonly TimeSpan UnreachableRetry = TimeSpan.FromSeconds(5);

    public async Task<DeviceAuthorization> StartAsync(Uri controlPlane, string? name, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("client_id", ClientId),
            new("scope", Scope),
            new("hostname", AgentInfo.Hostname),
            new("os", AgentInfo.Os),
            new("arch", AgentInfo.Arch),
            new("version", AgentInfo.Version),
        };
        if (!string.IsNullOrEmpty(name))
        {
            fields.Add(new("name", name));
        }

        if (tags.Count > 0)
        {
            fields.Add(new("tags", string.Join(',', tags)));
        }

        using var response = await PostAsync(controlPlane, "oauth/device_authorization", fields, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = await ReadErrorAsync(response, cancellationToken);
            throw new EnrollmentException($"the control plane refused the device request: {Describe(error, response)}", refused: error?.Error == "invalid_client");
        }

        var authorization = await ReadAsync(response, DeviceFlowJsonContext.Default.DeviceAuthorization, cancellationToken);
        return authorization is { DeviceCode.Length: > 0, UserCode.Length: > 0, VerificationUri.Length: > 0, ExpiresIn: > 0 }
            ? authorization
            : throw new EnrollmentException("the control plane's device authorization answer lacks device_code, user_code, verification_uri or expires_in", refused: false);
    }

    /// <summary>Polls until the request is approved (the agent's state), denied or expired (refused), or cancelled.</summary>
    public async Task<AgentState> WaitForApprovalAsync(Uri controlPlane, DeviceAuthorization authorization, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(authorization.Interval is > 0 ? authorization.Interval.Value : 5);
        var deadline = time.GetUtcNow().AddSeconds(authorization.ExpiresIn);
        var fields = new[]
        {
            KeyValuePair.Create("grant_type", GrantType),
            KeyValuePair.Create("device_code", authorization.DeviceCode!),
            KeyValuePair.Create("client_id", ClientId),
        };
        while (true)
        {
            await Task.Delay(interval, time, cancellationToken);
            if (time.GetUtcNow() >= deadline)
            {
                throw new EnrollmentException("the code expired before anyone approved it; run enroll again", refused: true);
            }

            HttpResponseMessage response;
            try
            {
                response = await PostAsync(controlPlane, "oauth/token", fields, cancellationToken);
            }
            catch (EnrollmentException)
            {
                // Keep waiting through a control plane restart: the code stays valid until it expires.
                await Task.Delay(UnreachableRetry, time, cancellationToken);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return ToState(controlPlane, await ReadAsync(response, DeviceFlowJsonContext.Default.DeviceTokenResponse, cancellationToken));
                }

                var error = await ReadErrorAsync(response, cancellationToken);
                switch (error?.Error)
                {
                    case "authorization_pending":
                        continue;
                    case "slow_down":
                        interval += TimeSpan.FromSeconds(5);
                        continue;
                    case "access_denied":
                        throw new EnrollmentException("an approver denied this enrollment", refused: true);
                    case "expired_token":
                        throw new EnrollmentException("the code expired before anyone approved it; run enroll again", refused: true);
                    case null when (int)response.StatusCode >= 500:
                        continue;
                    default:
                        throw new EnrollmentException($"enrollment failed: {Describe(error, response)}", refused: error?.Error is "invalid_grant" or "invalid_client");
                }
            }
        }
    }

    private AgentState ToState(Uri controlPlane, DeviceTokenResponse? token) =>
        EnrollmentClient.ToState(controlPlane, token is null ? null : new EnrollmentResponse
        {
            AgentId = token.AgentId,
            TenantId = token.TenantId,
            Credential = token.AccessToken,
            GrpcUrl = token.GrpcUrl,
            Name = token.AgentName,
            Tags = token.Tags,
            AuthMode = token.AuthMode,
            KeyId = token.KeyId,
        }, time.GetUtcNow());

    private async Task<HttpResponseMessage> PostAsync(Uri controlPlane, string path, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(controlPlane.AbsolutePath.EndsWith('/') ? controlPlane : new Uri(controlPlane.GetLeftPart(UriPartial.Path) + "/"), path);
        try
        {
            using var content = new FormUrlEncodedContent(fields);
            return await http.PostAsync(endpoint, content, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new EnrollmentException($"cannot reach control plane at {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", refused: false, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EnrollmentException($"control plane at {endpoint.GetLeftPart(UriPartial.Authority)} did not answer in time", refused: false, ex);
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new EnrollmentException($"control plane sent an unreadable answer: {ex.Message}", refused: false, ex);
        }
    }

    private static async Task<OAuthError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(DeviceFlowJsonContext.Default.OAuthError, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Describe(OAuthError? error, HttpResponseMessage response) =>
        error?.Error is { } code ? $"{code}: {error.ErrorDescription}" : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
}
