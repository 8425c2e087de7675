using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol;
using Argy.Protocol.Signing;

namespace Argy.ControlPlane.Gateway;

/// <summary>Who an authenticated agent request is from, and with which credential.</summary>
public sealed record AgentIdentity(AgentRow Agent, string Mode, string KeyId, long? KeyExpiresAt, SigningKey? Key, string? Nonce)
{
    public TenantScope Scope => TenantScope.Of(Agent.TenantId);
}

/// <summary>Either an identity or why there is none; <see cref="Revoked"/> selects PERMISSION_DENIED / 403.</summary>
public sealed record AgentAuthResult(AgentIdentity? Identity, bool Revoked, string Reason);

/// <summary>
/// Authenticates an agent from request headers (gRPC metadata or HTTP), in the mode of the credential it
/// presents: <c>authorization: ApiKey ...</c>, or the signed <c>x-argy-*</c> headers. Every refusal is audited.
/// </summary>
public sealed class AgentAuthenticator(AgentStore agents, AgentCredentials credentials, SignatureVerifier verifier, AuditLog audit)
{
    public const string Missing =
        "Missing agent credentials: send x-argy-agent-id, x-argy-tenant-id and either authorization: ApiKey <credential> or the x-argy-* signature headers.";

    public const string UnknownOrWrong = "Unknown agent or wrong credential.";

    public const string RevokedReason = "This agent has been revoked. Enroll it again to reconnect.";

    /// <param name="header">Reads a request header or metadata entry.</param>
    /// <param name="target">What a signature must cover: the gRPC method or "METHOD /path?query".</param>
    /// <param name="bodySha256">SHA-256 of the request body (of nothing, for a stream's metadata).</param>
    /// <param name="channel">For the audit trail: where the request came in.</param>
    public AgentAuthResult Authenticate(Func<string, string?> header, string target, ReadOnlySpan<byte> bodySha256, string? sourceIp, string channel)
    {
        var agentId = header(ProtocolHeaders.AgentId);
        var tenantId = header(ProtocolHeaders.TenantId);
        var authorization = header(ProtocolHeaders.Authorization);
        var signature = header(ProtocolHeaders.Signature);
        if (!Ids.LooksValid(agentId, "agt") || !Ids.LooksValid(tenantId, "ten") || (authorization is null && signature is null))
        {
            return Refuse(null, agentId, Missing, sourceIp, channel);
        }

        var agent = agents.Get(TenantScope.Of(tenantId!), agentId!);
        if (agent is null)
        {
            return Refuse(null, agentId, UnknownOrWrong, sourceIp, channel);
        }

        if (agent.RevokedAt is not null)
        {
            return Refuse(agent, agentId, RevokedReason, sourceIp, channel, revoked: true);
        }

        return authorization is not null
            ? AuthenticateApiKey(agent, authorization, sourceIp, channel)
            : AuthenticateSignature(agent, header, target, bodySha256, signature!, sourceIp, channel);
    }

    /// <summary>Records a refusal found after authentication (a bad message on an open stream).</summary>
    public void AuditRejected(AgentRow agent, string reason, string? sourceIp, string channel) =>
        Record(agent.TenantId, agent.Id, reason, sourceIp, channel);

    /// <inheritdoc cref="AuditRejected(AgentRow, string, string?, string)"/>
    public void AuditRejected(string tenantId, string agentId, string reason, string? sourceIp, string channel) =>
        Record(tenantId, agentId, reason, sourceIp, channel);

    public static string Describe(SignatureCheck check) => check switch
    {
        SignatureCheck.Malformed => "Signature check failed (Malformed): a signature header or field is missing or has characters the canonical form does not allow.",
        SignatureCheck.UnknownKey => "Signature check failed (UnknownKey): the key id names no valid key of this agent (revoked, expired after a rotation, or never issued).",
        SignatureCheck.BadSignature => "Signature check failed (BadSignature): the signature does not match the request.",
        SignatureCheck.OutsideClockSkew => "Signature check failed (OutsideClockSkew): the timestamp is too far from the control plane's clock; check the agent's clock (NTP).",
        SignatureCheck.Replayed => "Signature check failed (Replayed): this nonce or message sequence number was already used.",
        _ => "Signature check failed.",
    };

    private AgentAuthResult AuthenticateApiKey(AgentRow agent, string authorization, string? sourceIp, string channel)
    {
        var prefix = ProtocolHeaders.ApiKeyScheme + " ";
        var credential = authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            ? credentials.MatchApiKey(TenantScope.Of(agent.TenantId), agent.Id, authorization[prefix.Length..].Trim())
            : null;
        return credential is null
            ? Refuse(agent, agent.Id, UnknownOrWrong, sourceIp, channel)
            : new AgentAuthResult(new AgentIdentity(agent, AgentAuthModes.ApiKey, credential.Id, credential.ExpiresAt, null, null), false, "");
    }

    private AgentAuthResult AuthenticateSignature(
        AgentRow agent, Func<string, string?> header, string target, ReadOnlySpan<byte> bodySha256, string signature, string? sourceIp, string channel)
    {
        var keyId = header(ProtocolHeaders.KeyId);
        var nonce = header(ProtocolHeaders.Nonce);
        if (keyId is null || nonce is null || !HttpRequestVerifier.TryParseTimestamp(header(ProtocolHeaders.Timestamp), out var timestamp)
            || !CanonicalString.IsId(keyId) || !CanonicalString.IsId(nonce))
        {
            return Refuse(agent, agent.Id, Describe(SignatureCheck.Malformed), sourceIp, channel);
        }

        var key = credentials.FindSigningKey(TenantScope.Of(agent.TenantId), agent.Id, keyId);
        var fields = new SignedFields
        {
            KeyId = keyId,
            Timestamp = timestamp,
            Nonce = nonce,
            TenantId = agent.TenantId,
            Principal = agent.Id,
            Target = target,
            BodySha256 = bodySha256,
        };
        var check = verifier.Verify(fields, signature, key?.Key);
        return check == SignatureCheck.Valid
            ? new AgentAuthResult(new AgentIdentity(agent, AgentAuthModes.Hmac, keyId, key!.ExpiresAt, key.Key, nonce), false, "")
            : Refuse(agent, agent.Id, Describe(check), sourceIp, channel);
    }

    private AgentAuthResult Refuse(AgentRow? agent, string? agentId, string reason, string? sourceIp, string channel, bool revoked = false)
    {
        // The tenant is recorded only once a stored agent vouches for it: a header alone proves nothing.
        Record(agent?.TenantId, Clip(agentId), reason, sourceIp, channel);
        return new AgentAuthResult(null, revoked, reason);
    }

    private void Record(string? tenantId, string? agentId, string reason, string? sourceIp, string channel) =>
        audit.Refused(tenantId, new AuditEntry(AuditActions.AgentAuthRejected, AuditResources.Agent, agentId, AuditOutcome.Denied, reason,
                new Dictionary<string, string?> { ["channel"] = channel, ["peer"] = sourceIp }),
            new AuditActor(AuditActorType.Agent, agentId ?? "(none)"));

    private static string? Clip(string? value) => value is { Length: > 80 } ? value[..80] : value;
}
