using System.Text;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Agents;

/// <summary>A credential as handed to its agent, once: the secret exists in clear only in this answer.</summary>
public sealed record IssuedCredential(AgentCredentialRow Row, string Secret)
{
    public string KeyId => Row.Id;

    public string Mode => Row.Mode;
}

/// <summary>Issues agent credentials in the configured mode and checks presented ones.</summary>
public sealed class AgentCredentials(
    AgentCredentialStore store, SecretBox box, IOptions<AgentAuthOptions> options, TimeProvider time)
{
    public string ConfiguredMode => options.Value.Mode;

    /// <summary>Creates (does not store) a new credential for the agent, in the configured mode.</summary>
    public IssuedCredential Create(TenantScope scope, string agentId)
    {
        var keyId = Ids.New("key");
        var now = UnixMs.From(time.GetUtcNow());

        // Both modes hand out argy_agk_<agent>_<256 random bits>, a form secret scanners can recognise. An API
        // key is stored as the hash of its secret part; an HMAC secret (the whole string is the key) sealed.
        var issued = OpaqueToken.Issue(OpaqueToken.AgentCredentialKind, agentId["agt_".Length..]);
        if (ConfiguredMode == AgentAuthModes.ApiKey)
        {
            return new IssuedCredential(
                new AgentCredentialRow
                {
                    Id = keyId, TenantId = scope.TenantId, AgentId = agentId, Mode = AgentAuthModes.ApiKey, SecretHash = issued.SecretHash, CreatedAt = now,
                },
                issued.Token);
        }

        return new IssuedCredential(
            new AgentCredentialRow
            {
                Id = keyId,
                TenantId = scope.TenantId,
                AgentId = agentId,
                Mode = AgentAuthModes.Hmac,
                SealedSecret = box.Seal(Encoding.UTF8.GetBytes(issued.Token), AssociatedData(keyId)),
                CreatedAt = now,
            },
            issued.Token);
    }

    /// <summary>The valid API-key credential of the agent whose secret is <paramref name="presented"/>, or null.</summary>
    public AgentCredentialRow? MatchApiKey(TenantScope scope, string agentId, string presented)
    {
        if (!OpaqueToken.TryParse(OpaqueToken.AgentCredentialKind, presented, out var parsed) || "agt_" + parsed.Id != agentId)
        {
            return null;
        }

        AgentCredentialRow? match = null;
        foreach (var row in store.Valid(scope, agentId))
        {
            // Every candidate is compared, in constant time each, so timing does not tell which key matched.
            if (row.Mode == AgentAuthModes.ApiKey && OpaqueToken.Verify(parsed.Secret, row.SecretHash))
            {
                match = row;
            }
        }

        return match;
    }

    /// <summary>The agent's valid HMAC key with this id, decrypted, or null.</summary>
    public ValidSigningKey? FindSigningKey(TenantScope scope, string agentId, string keyId)
    {
        var row = store.FindValid(scope, agentId, keyId);
        if (row is not { Mode: AgentAuthModes.Hmac, SealedSecret: { } sealedSecret })
        {
            return null;
        }

        return new ValidSigningKey(new SigningKey(row.Id, box.Open(sealedSecret, AssociatedData(row.Id))), row.ExpiresAt);
    }

    private static byte[] AssociatedData(string keyId) => Encoding.UTF8.GetBytes("argy agent credential " + keyId);
}

/// <summary>An HMAC key and, once rotated, the end of its grace period (Unix ms).</summary>
public sealed record ValidSigningKey(SigningKey Key, long? ExpiresAt);
