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

    /// <summary>HMAC mode: which of the signer's secrets signed (two are valid during a rotation).</summary>
    public const string KeyId = "x-argy-key-id";

    /// <summary>HMAC mode: when the request was signed, in decimal Unix seconds.</summary>
    public const string Timestamp = "x-argy-timestamp";

    /// <summary>HMAC mode: a value the signer never uses twice; for a stream it also names the stream.</summary>
    public const string Nonce = "x-argy-nonce";

    /// <summary>HMAC mode: lowercase hex HMAC-SHA256 over the canonical string (protocol/signing.md).</summary>
    public const string Signature = "x-argy-signature";

    /// <summary>Webhooks: the id of the subscription a delivery belongs to, signed as the principal.</summary>
    public const string WebhookId = "x-argy-webhook-id";
}
