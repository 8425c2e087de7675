using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Login;

/// <summary>
/// <c>argy login --url URL</c> without an email link: the OAuth 2.0 device flow (RFC 8628). The terminal shows a
/// code, someone who already holds an API token approves it (the verification page or <c>argy device
/// approve</c>), and the terminal receives a short-lived API token with the approver's role. Instructions go to
/// stderr and the <c>export ARGY_TOKEN=...</c> line to stdout, so <c>eval "$(argy login --url URL)"</c> works.
/// </summary>
internal static class DeviceLogin
{
    public const string ClientId = "argy-cli";
    private const string GrantType = "urn:ietf:params:oauth:grant-type:device_code";

    public static async Task<int> RunAsync(CommandRunner runner, ConnectionSettings settings, CancellationToken ct)
    {
        var time = runner.Host.Time;
        var error = runner.Console.Error;
        using var http = new HttpClient { BaseAddress = settings.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var authorization = await PostAsync(http, settings, "oauth/device_authorization", [("client_id", ClientId), ("scope", "api"), ("hostname", Environment.MachineName)],
            LoginJsonContext.Default.DeviceAuthorization, ct);
        if (authorization is not { DeviceCode.Length: > 0, UserCode.Length: > 0, VerificationUri.Length: > 0 })
        {
            throw new InvalidDataException("unexpected answer from the control plane: no device_code, user_code or verification_uri");
        }

        await error.WriteLineAsync($"To sign in, open {authorization.VerificationUriComplete ?? authorization.VerificationUri}");
        await error.WriteLineAsync($"check that the request shows this machine ({Environment.MachineName}) and approve it with your API token,");
        await error.WriteLineAsync($"or have someone signed in run: argy device approve {authorization.UserCode}");
        await error.WriteLineAsync($"Code: {authorization.UserCode} (expires in {Math.Max(1, authorization.ExpiresIn / 60)} min). Waiting...");

        var interval = TimeSpan.FromSeconds(authorization.Interval is > 0 ? authorization.Interval.Value : 5);
        var deadline = time.GetUtcNow().AddSeconds(authorization.ExpiresIn);
        while (true)
        {
            await Task.Delay(interval, time, ct);
            if (time.GetUtcNow() >= deadline)
            {
                throw new ApiException(HttpStatusCode.Forbidden, "the code expired before anyone approved it; run argy login again", []);
            }

            var (token, oauthError) = await PollAsync(http, settings, authorization.DeviceCode, ct);
            switch (oauthError?.Error)
            {
                case null when token is not null:
                    await error.WriteLineAsync($"Signed in to tenant {token.TenantId} with role {token.Role}; the token expires in {Durations.Format(TimeSpan.FromSeconds(token.ExpiresIn ?? 0))}.");
                    await runner.Console.Out.WriteLineAsync($"export ARGY_TOKEN={token.AccessToken}");
                    return ExitCodes.Success;
                case "authorization_pending":
                    continue;
                case "slow_down":
                    interval += TimeSpan.FromSeconds(5);
                    continue;
                case "access_denied":
                    throw new ApiException(HttpStatusCode.Forbidden, "the sign-in was denied", []);
                case "expired_token":
                    throw new ApiException(HttpStatusCode.Forbidden, "the code expired before anyone approved it; run argy login again", []);
                default:
                    throw new ApiException(HttpStatusCode.BadRequest, $"sign-in failed: {oauthError?.Error}: {oauthError?.ErrorDescription}", []);
            }
        }
    }

    private static async Task<(TokenResponse? Token, OAuthError? Error)> PollAsync(HttpClient http, ConnectionSettings settings, string deviceCode, CancellationToken ct)
    {
        using var response = await SendAsync(http, settings, "oauth/token", [("grant_type", GrantType), ("device_code", deviceCode), ("client_id", ClientId)], ct);
        if (response.IsSuccessStatusCode)
        {
            return (await ReadAsync(response, LoginJsonContext.Default.TokenResponse, ct), null);
        }

        return (null, await ReadAsync(response, LoginJsonContext.Default.OAuthError, ct) ?? new OAuthError { Error = $"HTTP {(int)response.StatusCode}" });
    }

    private static async Task<T?> PostAsync<T>(
        HttpClient http, ConnectionSettings settings, string path, (string, string)[] fields, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var response = await SendAsync(http, settings, path, fields, ct);
        if (!response.IsSuccessStatusCode)
        {
            var error = await ReadAsync(response, LoginJsonContext.Default.OAuthError, ct);
            throw new ApiException(response.StatusCode, $"{error?.Error ?? "error"}: {error?.ErrorDescription ?? response.ReasonPhrase}", []);
        }

        return await ReadAsync(response, type, ct);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, ConnectionSettings settings, string path, (string Name, string Value)[] fields, CancellationToken ct)
    {
        try
        {
            using var content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));
            return await http.PostAsync(path, content, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new ControlPlaneUnreachableException($"cannot reach the control plane at {settings.BaseUrl.AbsoluteUri.TrimEnd('/')}: {ex.Message}", ex);
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, ct);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return default;
        }
    }

    internal sealed class DeviceAuthorization
    {
        public string? DeviceCode { get; init; }

        public string? UserCode { get; init; }

        public string? VerificationUri { get; init; }

        public string? VerificationUriComplete { get; init; }

        public int ExpiresIn { get; init; }

        public int? Interval { get; init; }
    }

    internal sealed class TokenResponse
    {
        public string? AccessToken { get; init; }

        public string? TenantId { get; init; }

        public string? Role { get; init; }

        public int? ExpiresIn { get; init; }
    }

    internal sealed class OAuthError
    {
        public string? Error { get; init; }

        public string? ErrorDescription { get; init; }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeviceLogin.DeviceAuthorization))]
[JsonSerializable(typeof(DeviceLogin.TokenResponse))]
[JsonSerializable(typeof(DeviceLogin.OAuthError))]
internal sealed partial class LoginJsonContext : JsonSerializerContext;
