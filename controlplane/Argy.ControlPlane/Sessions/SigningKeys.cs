using System.Collections.Concurrent;
using System.Security.Cryptography;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.IdentityModel.Tokens;

namespace Argy.ControlPlane.Sessions;

/// <summary>
/// Each tenant signs its session tokens with its own RSA key (RS256), created on first use and stored encrypted
/// with <see cref="SecretBox"/>. A token of one tenant never verifies under another's key.
/// </summary>
public sealed class SigningKeys(Database database, SecretBox secrets, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string TenantId, RsaSecurityKey Key)> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _currentByTenant = new(StringComparer.Ordinal);
    private readonly Lock _creating = new();

    /// <summary>The key new tokens of the tenant are signed with.</summary>
    public RsaSecurityKey Current(TenantScope scope)
    {
        if (_currentByTenant.TryGetValue(scope.TenantId, out var id) && Find(scope, id) is { } cached)
        {
            return cached;
        }

        lock (_creating)
        {
            using var connection = database.Open();
            using var transaction = Database.BeginWrite(connection);
            var existing = connection.QueryFirstOrDefault<string?>(
                "SELECT id FROM signing_keys WHERE tenant_id = @tenant ORDER BY created_at DESC, id LIMIT 1", new { tenant = scope.TenantId }, transaction);
            if (existing is null)
            {
                using var rsa = RSA.Create(2048);
                existing = Ids.New("key");
                connection.Execute(
                    "INSERT INTO signing_keys (id, tenant_id, algorithm, private_key, created_at) VALUES (@id, @tenant, 'RS256', @key, @now)",
                    new { id = existing, tenant = scope.TenantId, key = secrets.Seal(rsa.ExportPkcs8PrivateKey()), now = UnixMs.From(time.GetUtcNow()) },
                    transaction);
            }

            transaction.Commit();
            _currentByTenant[scope.TenantId] = existing;
            return Find(scope, existing) ?? throw new InvalidOperationException("A signing key vanished right after it was written.");
        }
    }

    /// <summary>The tenant's key with this id, or null: a token naming another tenant's key is not verified.</summary>
    public RsaSecurityKey? Find(TenantScope scope, string keyId)
    {
        if (!_byId.TryGetValue(keyId, out var entry))
        {
            using var connection = database.Open();
            var row = connection.QuerySingleOrDefault<(string TenantId, byte[] PrivateKey)?>(
                "SELECT tenant_id, private_key FROM signing_keys WHERE id = @id AND tenant_id = @tenant", new { id = keyId, tenant = scope.TenantId });
            if (row is not { } found)
            {
                return null;
            }

            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(secrets.Open(found.PrivateKey), out _);
            entry = _byId.GetOrAdd(keyId, (found.TenantId, new RsaSecurityKey(rsa) { KeyId = keyId }));
        }

        return entry.TenantId == scope.TenantId ? entry.Key : null;
    }
}
