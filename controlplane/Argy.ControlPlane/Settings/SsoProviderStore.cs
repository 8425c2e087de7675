using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Settings;

public sealed class SsoProviderRow
{
    public string Id { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Config { get; init; } = "";
    public byte[]? SealedClientSecret { get; init; }
    public bool Enabled { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
}

/// <summary>SSO provider configurations (OIDC, SAML); client secrets are kept sealed with <see cref="SecretBox"/>.</summary>
public sealed class SsoProviderStore(Database database, AuditTrail audit, TimeProvider time)
{
    /// <summary>Creates a provider (<c>sso_provider.created</c>); null when the name is taken.</summary>
    public SsoProviderRow? Create(TenantScope scope, string kind, string name, string config, byte[]? sealedSecret, bool enabled)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var row = Create(connection, transaction, scope, kind, name, config, sealedSecret, enabled);
        if (row is not null)
        {
            audit.Append(connection, transaction, scope, Entry(AuditActions.SsoProviderCreated, row.Id, kind, name, enabled));
            transaction.Commit();
        }

        return row;
    }

    private static AuditEntry Entry(string action, string id, string? kind, string? name, bool? enabled) =>
        new(action, AuditResources.SsoProvider, id, Detail: $"SSO provider {id} {action[(action.IndexOf('.') + 1)..]}.",
            Data: new Dictionary<string, string?>
            {
                ["section"] = "sso",
                ["kind"] = kind,
                ["name"] = name,
                ["enabled"] = enabled is { } on ? (on ? "true" : "false") : null,
            });

    internal SsoProviderRow? Create(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string kind, string name, string config,
        byte[]? sealedSecret, bool enabled)
    {
        var now = UnixMs.From(time.GetUtcNow());
        var row = new SsoProviderRow
        {
            Id = Ids.New("sso"), TenantId = scope.TenantId, Kind = kind, Name = name, Config = config, SealedClientSecret = sealedSecret,
            Enabled = enabled, CreatedAt = now, UpdatedAt = now,
        };
        try
        {
            connection.Execute(
                """
                INSERT INTO sso_providers (id, tenant_id, kind, name, config, sealed_client_secret, enabled, created_at, updated_at)
                VALUES (@Id, @TenantId, @Kind, @Name, @Config, @SealedClientSecret, @Enabled, @CreatedAt, @UpdatedAt)
                """,
                row, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return null;
        }

        return row;
    }

    public SsoProviderRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<SsoProviderRow>("SELECT * FROM sso_providers WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    public IReadOnlyList<SsoProviderRow> List(TenantScope scope)
    {
        using var connection = database.Open();
        return List(connection, null, scope);
    }

    internal static IReadOnlyList<SsoProviderRow> List(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope) =>
        connection.Query<SsoProviderRow>("SELECT * FROM sso_providers WHERE tenant_id = @tenant ORDER BY name", new { tenant = scope.TenantId }, transaction).AsList();

    /// <summary>Replaces the configuration; a null secret keeps the stored one. False when the name is taken.</summary>
    public bool Update(TenantScope scope, string id, string name, string config, byte[]? sealedSecret, bool enabled)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        if (!Update(connection, transaction, scope, id, name, config, sealedSecret, enabled))
        {
            return false;
        }

        audit.Append(connection, transaction, scope, Entry(AuditActions.SsoProviderUpdated, id, null, name, enabled));
        transaction.Commit();
        return true;
    }

    internal bool Update(SqliteConnection connection, SqliteTransaction? transaction, TenantScope scope, string id, string name, string config, byte[]? sealedSecret, bool enabled)
    {
        try
        {
            connection.Execute(
                """
                UPDATE sso_providers SET name = @name, config = @config, sealed_client_secret = COALESCE(@sealedSecret, sealed_client_secret),
                       enabled = @enabled, updated_at = @now
                WHERE id = @id AND tenant_id = @tenant
                """,
                new { name, config, sealedSecret, enabled, now = UnixMs.From(time.GetUtcNow()), id, tenant = scope.TenantId }, transaction);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }

        return true;
    }

    public bool Delete(TenantScope scope, string id)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var deleted = connection.Execute("DELETE FROM sso_providers WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId }, transaction) == 1;
        if (deleted)
        {
            audit.Append(connection, transaction, scope, Entry(AuditActions.SsoProviderDeleted, id, null, null, null));
        }

        transaction.Commit();
        return deleted;
    }
}
