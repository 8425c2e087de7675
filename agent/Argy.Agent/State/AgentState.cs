namespace Argy.Agent.State;

/// <summary>
/// The agent's identity as issued at enrollment. A class rather than a record so that a stray
/// ToString() in a log line cannot print the credential.
/// </summary>
internal sealed class AgentState
{
    public required string AgentId { get; init; }

    public required string TenantId { get; init; }

    public required string Credential { get; init; }

    public required Uri ControlPlaneUrl { get; init; }

    public required Uri GrpcUrl { get; init; }

    public string Name { get; init; } = "";

    public IReadOnlyList<string> Tags { get; init; } = [];

    public DateTimeOffset EnrolledAt { get; init; }

    /// <summary>
    /// How the agent authenticates: "apikey" (the credential goes in the stream's metadata) or "hmac" (the
    /// credential is a secret that signs the metadata and every message). Files from before hmac mode existed
    /// have no such field and are apikey.
    /// </summary>
    public string AuthMode { get; init; } = AuthModes.ApiKey;

    /// <summary>The credential's key id, sent with every signature (hmac mode).</summary>
    public string? KeyId { get; init; }
}

internal static class AuthModes
{
    public const string ApiKey = "apikey";
    public const string Hmac = "hmac";
}
