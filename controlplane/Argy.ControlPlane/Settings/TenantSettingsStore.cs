using Argy.ControlPlane.Audit;
using System.Collections.Concurrent;
using System.Text.Json;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Argy.ControlPlane.Settings;

/// <summary>
/// Per-tenant settings, one JSON document per section. Reads are served from memory (they happen on every
/// request for the security section); every write goes through here and refreshes the cached copy.
/// </summary>
public sealed class TenantSettingsStore(Database database, AuditTrail audit, TimeProvider time)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly ConcurrentDictionary<(string Tenant, string Section), string?> _cache = new();

    public T Get<T>(TenantScope scope, string section, T defaults)
    {
        var text = _cache.GetOrAdd((scope.TenantId, section), key =>
        {
            using var connection = database.Open();
            return connection.QuerySingleOrDefault<string?>(
                "SELECT value FROM tenant_settings WHERE tenant_id = @tenant AND section = @section", new { tenant = key.Tenant, section = key.Section });
        });
        return text is null ? defaults : JsonSerializer.Deserialize<T>(text, JsonOptions) ?? defaults;
    }

    public bool IsSet(TenantScope scope, string section) => Get<JsonElement?>(scope, section, null) is not null;

    /// <summary>Saves one section, recorded as <c>settings.changed</c> with the section (and its new value) in the same transaction.</summary>
    public void Save<T>(TenantScope scope, string section, T value, string actor)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        Save(connection, transaction, scope, section, value, actor);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.SettingsChanged, AuditResources.Settings, section,
            Detail: $"Settings section '{section}' changed.", Data: new Dictionary<string, string?> { ["section"] = section },
            Content: JsonSerializer.Serialize(value, JsonOptions)));
        transaction.Commit();
        Forget(scope, section);
    }

    /// <summary>Writes inside a caller's transaction; call <see cref="Forget"/> once it commits.</summary>
    internal void Save<T>(SqliteConnection connection, SqliteTransaction transaction, TenantScope scope, string section, T value, string actor) =>
        connection.Execute(
            """
            INSERT INTO tenant_settings (tenant_id, section, value, updated_at, updated_by) VALUES (@tenant, @section, @value, @now, @actor)
            ON CONFLICT (tenant_id, section) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """,
            new { tenant = scope.TenantId, section, value = JsonSerializer.Serialize(value, JsonOptions), now = UnixMs.From(time.GetUtcNow()), actor },
            transaction);

    public void Forget(TenantScope scope, string section) => _cache.TryRemove((scope.TenantId, section), out _);
}

/// <summary>The section names of <see cref="TenantSettingsStore"/>.</summary>
public static class SettingsSections
{
    public const string Security = "security";
    public const string IpAllowList = "ip-allowlist";
    public const string Branding = "branding";
    public const string LlmFilter = "llm-filter";
    public const string Quotas = "quotas";
    public const string SsoEnforcement = "sso-enforcement";
    public const string Scim = "scim";
}

/// <summary>Sessions of the tenant's users: how long they last and how many a user may hold.</summary>
public sealed record SecuritySettings(int SessionDurationMinutes, int InactivityTimeoutMinutes, int MaxSessionsPerUser)
{
    public static readonly SecuritySettings Default = new(SessionDurationMinutes: 12 * 60, InactivityTimeoutMinutes: 60, MaxSessionsPerUser: 5);

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan SessionDuration => TimeSpan.FromMinutes(SessionDurationMinutes);

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan InactivityTimeout => TimeSpan.FromMinutes(InactivityTimeoutMinutes);
}
