namespace Argy.Protocol;

/// <summary>Metadata keys of the agent stream, shared by both ends so they cannot drift apart.</summary>
public static class ProtocolHeaders
{
    /// <summary>Carries "ApiKey &lt;credential&gt;" in API-key mode.</summary>
    public const string Authorization = "authorization";

    /// <summary>The agent's id as issued at enrollment.</summary>
    public const string AgentId = "x-argy-agent-id";

    /// <summary>The tenant the agent belongs to.</summary>
    public const string TenantId = "x-argy-tenant-id";

    /// <summary>Scheme word of the authorization value in API-key mode.</summary>
    public const string ApiKeyScheme = "ApiKey";
}
