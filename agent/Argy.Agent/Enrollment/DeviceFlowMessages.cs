using System.Text.Json.Serialization;

namespace Argy.Agent.Enrollment;

/// <summary>RFC 8628 §3.2, as the control plane answers it.</summary>
internal sealed class DeviceAuthorization
{
    public string? DeviceCode { get; init; }

    public string? UserCode { get; init; }

    public string? VerificationUri { get; init; }

    public string? VerificationUriComplete { get; init; }

    public int ExpiresIn { get; init; }

    /// <summary>Absent means 5 s (RFC 8628 §3.2).</summary>
    public int? Interval { get; init; }
}

/// <summary>The token response for client argy-agent: the agent's identity and credential.</summary>
internal sealed class DeviceTokenResponse
{
    public string? AccessToken { get; init; }

    public string? TokenType { get; init; }

    public string? TenantId { get; init; }

    public string? AgentId { get; init; }

    public string? AgentName { get; init; }

    public List<string>? Tags { get; init; }

    public string? GrpcUrl { get; init; }

    public string? AuthMode { get; init; }

    public string? KeyId { get; init; }
}

/// <summary>RFC 6749 §5.2.</summary>
internal sealed class OAuthError
{
    public string? Error { get; init; }

    public string? ErrorDescription { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeviceAuthorization))]
[JsonSerializable(typeof(DeviceTokenResponse))]
[JsonSerializable(typeof(OAuthError))]
internal sealed partial class DeviceFlowJsonContext : JsonSerializerContext;
