namespace Argy.Agent.Enrollment;

internal sealed record EnrollmentRequest(string Token, string Hostname, string Os, string Arch, string Version);

internal sealed class EnrollmentResponse
{
    public string? AgentId { get; init; }

    public string? TenantId { get; init; }

    public string? Credential { get; init; }

    public string? GrpcUrl { get; init; }

    public string? Name { get; init; }

    public List<string>? Tags { get; init; }

    /// <summary>"hmac" or "apikey"; absent from control planes that only know API keys.</summary>
    public string? AuthMode { get; init; }

    public string? KeyId { get; init; }
}

/// <summary>The fields of an RFC 9457 problem document the agent shows to the operator.</summary>
internal sealed class ProblemDetailsBody
{
    public string? Title { get; init; }

    public string? Detail { get; init; }

    public int? Status { get; init; }
}
