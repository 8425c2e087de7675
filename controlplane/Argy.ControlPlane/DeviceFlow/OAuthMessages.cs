using System.Text.Json.Serialization;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>RFC 8628 §3.2: the answer to a device authorization request.</summary>
public sealed record DeviceAuthorizationResponse(
    [property: JsonPropertyName("device_code")] string DeviceCode,
    [property: JsonPropertyName("user_code")] string UserCode,
    [property: JsonPropertyName("verification_uri")] string VerificationUri,
    [property: JsonPropertyName("verification_uri_complete")] string VerificationUriComplete,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("interval")] int Interval);

/// <summary>
/// RFC 6749 §5.1 token response, with the extension parameters each client needs (RFC 6749 allows them):
/// an agent gets its identity and credential, the CLI an API token.
/// </summary>
public sealed record DeviceTokenResponse
{
    [JsonPropertyName("access_token")]
    public required string AccessToken { get; init; }

    [JsonPropertyName("token_type")]
    public required string TokenType { get; init; }

    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; init; }

    [JsonPropertyName("scope")]
    public required string Scope { get; init; }

    [JsonPropertyName("tenant_id")]
    public required string TenantId { get; init; }

    [JsonPropertyName("agent_id")]
    public string? AgentId { get; init; }

    [JsonPropertyName("agent_name")]
    public string? AgentName { get; init; }

    [JsonPropertyName("tags")]
    public IReadOnlyList<string>? Tags { get; init; }

    [JsonPropertyName("grpc_url")]
    public string? GrpcUrl { get; init; }

    [JsonPropertyName("auth_mode")]
    public string? AuthMode { get; init; }

    [JsonPropertyName("key_id")]
    public string? KeyId { get; init; }

    [JsonPropertyName("token_id")]
    public string? TokenId { get; init; }

    [JsonPropertyName("role")]
    public string? Role { get; init; }
}

/// <summary>RFC 6749 §5.2 error response (also used by RFC 8628 §3.5).</summary>
public sealed record OAuthErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>The error codes, spelled exactly as the RFCs do.</summary>
public static class OAuthErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string InvalidScope = "invalid_scope";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string AuthorizationPending = "authorization_pending";
    public const string SlowDown = "slow_down";
    public const string AccessDenied = "access_denied";
    public const string ExpiredToken = "expired_token";
    public const string TemporarilyUnavailable = "temporarily_unavailable";

    public const string DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";
}

/// <summary>An OAuth error to answer with (HTTP 400 unless said otherwise).</summary>
public sealed class OAuthException(string error, string description, int status = StatusCodes.Status400BadRequest) : Exception(description)
{
    public string Error { get; } = error;

    public int Status { get; } = status;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceAuthorizationResponse))]
[JsonSerializable(typeof(DeviceTokenResponse))]
[JsonSerializable(typeof(OAuthErrorResponse))]
internal sealed partial class OAuthJsonContext : JsonSerializerContext;
