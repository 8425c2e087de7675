using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Auth;

public sealed class ApiTokenRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Role { get; init; } = "";
    public byte[] SecretHash { get; init; } = [];
    public long CreatedAt { get; init; }
    public long? ExpiresAt { get; init; }
    public long? RevokedAt { get; init; }
    public long? LastUsedAt { get; init; }

    /// <summary>The user the token belongs to: refused while that user is disabled. Null for service accounts.</summary>
    public string? UserId { get; init; }

    public string? OrgId { get; init; }

    /// <summary>JSON list of the product ids the token is limited to; null when it is not limited.</summary>
    public string? Products { get; init; }

    public string? CreatedBy { get; init; }
}

/// <summary>What a new token carries besides its name and role.</summary>
public sealed record ApiTokenGrant(string? UserId = null, string? OrgId = null, IReadOnlyList<string>? ProductIds = null, string? CreatedBy = null);

public sealed class ApiTokenStore(Database database, AuditTrail audit, TimeProvider time)
{
    // Writing last_used_at on every request would turn every read into a write; a minute's precision is plenty.
    private static readonly long LastUsedPrecisionMs = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

    /// <summary>Creates a token and returns it in clear: the only time it exists outside the caller's hands.</summary>
    public (ApiTokenRow Row, string Token) Create(TenantScope scope, string name, string role, DateTimeOffset? expiresAt = null) =>
        Create(scope, name, role, expiresAt, new ApiTokenGrant());

    /// <summary>Creates a token owned by a user, bound to an org or limited to products, as the grant says (<c>token.created</c>).</summary>
    public (ApiTokenRow Row, string Token) Create(TenantScope scope, string name, string role, DateTimeOffset? expiresAt, ApiTokenGrant grant, AuditActor? actor = null)
    {
        var idPart = Ids.RandomText(16);
        var issued = OpaqueToken.Issue(OpaqueToken.ApiTokenKind, idPart);
        var row = new ApiTokenRow
        {
            Id = "tok_" + idPart,
            TenantId = scope.TenantId,
            Name = name,
            Role = role,
            SecretHash = issued.SecretHash,
            CreatedAt = UnixMs.From(time.GetUtcNow()),
            ExpiresAt = expiresAt is { } e ? UnixMs.From(e) : null,
            UserId = grant.UserId,
            OrgId = grant.OrgId,
            Products = grant.ProductIds is null ? null : Json.Write(grant.ProductIds),
            CreatedBy = grant.CreatedBy,
        };
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            """
            INSERT INTO api_tokens (id, tenant_id, name, role, secret_hash, created_at, expires_at, user_id, org_id, products, created_by)
            VALUES (@Id, @TenantId, @Name, @Role, @SecretHash, @CreatedAt, @ExpiresAt, @UserId, @OrgId, @Products, @CreatedBy)
            """,
            row, transaction);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.TokenCreated, AuditResources.Token, row.Id,
            Detail: $"API token '{name}' created with role {role}.",
            Data: new Dictionary<string, string?> { ["role"] = role, ["userId"] = grant.UserId, ["orgId"] = grant.OrgId, ["products"] = row.Products }), actor);
        transaction.Commit();
        return (row, issued.Token);
    }

    /// <summary>
    /// Resolves a presented bearer token to its record, or null when it is unknown, wrong, expired or revoked.
    /// This lookup establishes the tenant scope, so it is the one token query that is not tenant-filtered.
    /// </summary>
    public ApiTokenRow? Authenticate(string presented)
    {
        if (!OpaqueToken.TryParse(OpaqueToken.ApiTokenKind, presented, out var parsed))
        {
            return null;
        }

        using var connection = database.Open();
        var row = connection.QuerySingleOrDefault<ApiTokenRow>(
            "SELECT * FROM api_tokens WHERE id = @id", new { id = "tok_" + parsed.Id });
        var now = UnixMs.From(time.GetUtcNow());
        if (row is null || !OpaqueToken.Verify(parsed.Secret, row.SecretHash) || row.RevokedAt is not null || row.ExpiresAt <= now)
        {
            return null;
        }

        if (row.LastUsedAt is null || now - row.LastUsedAt >= LastUsedPrecisionMs)
        {
            connection.Execute(
                "UPDATE api_tokens SET last_used_at = @now WHERE id = @id AND tenant_id = @tenant",
                new { now, id = row.Id, tenant = row.TenantId });
        }

        return row;
    }

    public IReadOnlyList<ApiTokenRow> List(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.Query<ApiTokenRow>(
            "SELECT * FROM api_tokens WHERE tenant_id = @tenant ORDER BY created_at, id", new { tenant = scope.TenantId }).AsList();
    }

    public int CountActive(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.ExecuteScalar<int>(
            "SELECT COUNT(*) FROM api_tokens WHERE tenant_id = @tenant AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)",
            new { tenant = scope.TenantId, now = UnixMs.From(time.GetUtcNow()) });
    }

    public ApiTokenRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<ApiTokenRow>(
            "SELECT * FROM api_tokens WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    /// <summary>Revokes the token (<c>token.revoked</c>); false when it already was.</summary>
    public bool Revoke(TenantScope scope, string id)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var revoked = connection.Execute(
            "UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL",
            new { now = UnixMs.From(time.GetUtcNow()), id, tenant = scope.TenantId }, transaction) == 1;
        if (revoked)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.TokenRevoked, AuditResources.Token, id, Detail: $"API token {id} revoked."));
        }

        transaction.Commit();
        return revoked;
    }
}
