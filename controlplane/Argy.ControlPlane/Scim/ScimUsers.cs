using Argy.ControlPlane.Audit;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;
using Dapper;

namespace Argy.ControlPlane.Scim;

/// <summary>SCIM Users over the tenant's users: userName is the email address; active=false disables the user.</summary>
public sealed partial class ScimUsers(
    UserStore users,
    UserService userService,
    AuditedWrites writes,
    TeamStore teams,
    TenantSettingsStore settings,
    ResourceQuotas quotas,
    Database database,
    ILogger<ScimUsers> logger)
{
    private static readonly Dictionary<string, string> FilterColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["userName"] = "email_key",
        ["emails.value"] = "email_key",
        ["externalId"] = "external_id",
        ["displayName"] = "display_name",
        ["id"] = "id",
    };

    public JsonObject List(TenantScope scope, string? filter, int startIndex, int count, string baseUrl)
    {
        var conditions = new List<string> { "tenant_id = @tenant" };
        var parameters = new DynamicParameters(new { tenant = scope.TenantId });
        if (!string.IsNullOrWhiteSpace(filter))
        {
            var n = 0;
            foreach (var comparison in ScimFilter.Parse(filter))
            {
                if (!FilterColumns.TryGetValue(comparison.Attribute, out var column))
                {
                    throw new ScimException(400, $"Filtering on '{comparison.Attribute}' is not supported; use userName, externalId, displayName or id.", ScimErrors.InvalidFilter);
                }

                var value = column == "email_key" ? comparison.Value?.Trim().ToLowerInvariant() : comparison.Value;
                conditions.Add(value is null ? $"{column} IS NULL" : $"{column} = @p{n}");
                parameters.Add($"p{n++}", value);
            }
        }

        var where = string.Join(" AND ", conditions);
        using var connection = database.Open();
        var total = connection.ExecuteScalar<int>($"SELECT COUNT(*) FROM users WHERE {where}", parameters);
        parameters.Add("limit", count);
        parameters.Add("offset", startIndex - 1);
        var rows = count == 0 ? [] : connection.Query<UserRow>($"SELECT * FROM users WHERE {where} ORDER BY created_at, id LIMIT @limit OFFSET @offset", parameters).AsList();
        var teamsByUser = teams.TeamsOf(scope, rows.Select(r => r.Id).ToList());
        return ScimEndpoints.ListResponse(total, startIndex, rows.Select(r => Resource(r, teamsByUser.GetValueOrDefault(r.Id) ?? [], baseUrl)));
    }

    public JsonObject Get(TenantScope scope, string id, string baseUrl) => Resource(Find(scope, id), teams.TeamsOf(scope, id), baseUrl);

    public JsonObject Create(Caller caller, JsonObject body, string baseUrl)
    {
        var user = Read(body, requireUserName: true);
        quotas.EnsureRoom(caller.Scope, QuotaKind.Users);
        var role = user.Role ?? settings.Get(caller.Scope, SettingsSections.Scim, ScimSettings.Default).DefaultRole;
        using var write = writes.Begin();
        var created = users.Create(write.Connection, write.Transaction, caller.Scope, new NewUser(user.Email!, user.DisplayName ?? "", user.GivenName, user.FamilyName, role,
                user.Active == false ? UserStatus.Disabled : UserStatus.Active, UserSource.Scim, user.ExternalId))
            ?? throw new ScimException(409, $"A user with userName '{user.Email}' or externalId '{user.ExternalId}' already exists.", ScimErrors.Uniqueness);
        write.Commit(caller.Scope, new AuditEntry(AuditActions.UserProvisioned, AuditResources.User, created.Id, Detail: $"{created.Email} provisioned by SCIM as {role}.",
            Data: new Dictionary<string, string?> { ["role"] = role, ["status"] = created.Status, ["externalId"] = created.ExternalId }));
        LogProvisioned(logger, created.Id, caller.Scope.TenantId);
        return Get(caller.Scope, created.Id, baseUrl);
    }

    /// <summary>PUT (RFC 7644 §3.5.1): the body replaces the user; names and externalId it leaves out are cleared.</summary>
    public JsonObject Replace(Caller caller, string id, JsonObject body, string baseUrl)
    {
        var existing = Find(caller.Scope, id);
        var user = Read(body, requireUserName: true);
        Apply(caller, existing, user with { DisplayName = user.DisplayName ?? "", GivenName = user.GivenName ?? "", FamilyName = user.FamilyName ?? "" },
            clearExternalId: user.ExternalId is null);
        return Get(caller.Scope, id, baseUrl);
    }

    /// <summary>PATCH (RFC 7644 §3.5.2): add/replace/remove, with a path or (Okta) with an object of attributes.</summary>
    public JsonObject Patch(Caller caller, string id, JsonObject body, string baseUrl)
    {
        var existing = Find(caller.Scope, id);
        var changes = new ScimUser(null, null, null, null, null, null, null);
        foreach (var (op, path, value) in ScimEndpoints.Operations(body))
        {
            if (path is null)
            {
                if (op != "remove" && value is JsonObject attributes)
                {
                    changes = Merge(changes, Read(attributes, requireUserName: false));
                }

                continue;
            }

            var remove = op == "remove";
            var normalized = path.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            changes = normalized switch
            {
                "active" => changes with { Active = remove ? null : ScimJson.Bool(value) },
                "username" => changes with { Email = remove ? null : ScimJson.Text(value) },
                "displayname" => changes with { DisplayName = remove ? "" : ScimJson.Text(value) ?? "" },
                "externalid" => changes with { ExternalId = remove ? null : ScimJson.Text(value) },
                "name.givenname" => changes with { GivenName = remove ? "" : ScimJson.Text(value) ?? "" },
                "name.familyname" => changes with { FamilyName = remove ? "" : ScimJson.Text(value) ?? "" },
                "name" when value is JsonObject name => Merge(changes, Read(new JsonObject { ["name"] = name.DeepClone() }, requireUserName: false)),
                "emails" or "emails[type eq \"work\"].value" or "emails[primary eq true].value" when !remove =>
                    changes with { Email = value is JsonArray ? Read(new JsonObject { ["emails"] = value.DeepClone() }, false).Email : ScimJson.Text(value) },
                "roles" when !remove && value is not null => changes with { Role = Read(new JsonObject { ["roles"] = value.DeepClone() }, false).Role },
                // Attributes Argy does not keep (title, phone numbers, enterprise extension...) are accepted and ignored.
                _ => changes,
            };
        }

        Apply(caller, existing, changes);
        return Get(caller.Scope, id, baseUrl);
    }

    public void Delete(Caller caller, string id)
    {
        Find(caller.Scope, id);
        try
        {
            userService.Delete(caller, id);
        }
        catch (ApiProblemException problem)
        {
            throw new ScimException(problem.Status, problem.Message, problem.Status == 409 ? ScimErrors.Mutability : null);
        }
    }

    /// <summary>One SCIM update is one change: profile, role and status together, with one audit record.</summary>
    private void Apply(Caller caller, UserRow existing, ScimUser changes, bool clearExternalId = false)
    {
        if (changes.Email is not null && !UserValidation.IsEmail(changes.Email))
        {
            throw new ScimException(400, $"userName '{changes.Email}' is not an email address.", ScimErrors.InvalidValue);
        }

        using var write = writes.Begin();
        var changed = new Dictionary<string, string?>();
        if (changes.Email is not null || changes.DisplayName is not null || changes.GivenName is not null || changes.FamilyName is not null
            || changes.ExternalId is not null || clearExternalId)
        {
            changed["profile"] = "scim";
        }

        if (!users.UpdateProfile(write.Connection, write.Transaction, caller.Scope, existing.Id, changes.Email, changes.DisplayName, changes.GivenName, changes.FamilyName, changes.ExternalId, clearExternalId))
        {
            throw new ScimException(409, "Another user already has this userName or externalId.", ScimErrors.Uniqueness);
        }

        var role = changes.Role is not null && changes.Role != existing.Role ? changes.Role : null;
        var status = changes.Active switch
        {
            false when existing.Status != UserStatus.Disabled => UserStatus.Disabled,
            true when existing.Status != UserStatus.Active => UserStatus.Active,
            _ => null,
        };
        if (role is null && status is null)
        {
            write.Commit(caller.Scope, UserService.UpdatedEntry(existing, changed));
            return;
        }

        try
        {
            userService.GuardAdmins(caller, existing, role ?? existing.Role, status ?? existing.Status);
        }
        catch (ApiProblemException problem)
        {
            throw new ScimException(problem.Status, problem.Message, ScimErrors.Mutability);
        }

        if (role is not null)
        {
            users.SetRole(write.Connection, write.Transaction, caller.Scope, existing.Id, role);
            changed["role"] = $"{existing.Role} -> {role}";
        }

        if (status is not null)
        {
            // Deactivation through SCIM is the same as disabling: sessions end, tokens are refused.
            userService.SetStatus(write, caller, existing, status);
            changed["status"] = $"{existing.Status} -> {status}";
        }

        write.Commit(caller.Scope, UserService.UpdatedEntry(existing, changed));
    }

    private UserRow Find(TenantScope scope, string id) =>
        users.Get(scope, id) ?? throw new ScimException(404, $"User {id} not found.");

    private sealed record ScimUser(string? Email, string? DisplayName, string? GivenName, string? FamilyName, string? ExternalId, bool? Active, string? Role);

    private static ScimUser Merge(ScimUser a, ScimUser b) => new(
        b.Email ?? a.Email, b.DisplayName ?? a.DisplayName, b.GivenName ?? a.GivenName, b.FamilyName ?? a.FamilyName, b.ExternalId ?? a.ExternalId,
        b.Active ?? a.Active, b.Role ?? a.Role);

    private static ScimUser Read(JsonObject body, bool requireUserName)
    {
        var userName = ScimJson.Text(ScimJson.Get(body, "userName"));
        string? email = null;
        if (ScimJson.Get(body, "emails") is JsonArray emails)
        {
            var preferred = emails.OfType<JsonObject>()
                .OrderByDescending(e => ScimJson.Get(e, "primary") is JsonNode p && ScimJson.Bool(p) == true)
                .ThenByDescending(e => string.Equals(ScimJson.Text(ScimJson.Get(e, "type")), "work", StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault();
            email = ScimJson.Text(ScimJson.Get(preferred, "value"));
        }

        var address = userName is not null && UserValidation.IsEmail(userName) ? userName : email ?? userName;
        if (requireUserName && string.IsNullOrWhiteSpace(userName))
        {
            throw new ScimException(400, "userName is required.", ScimErrors.InvalidValue);
        }

        if (address is not null && !UserValidation.IsEmail(address))
        {
            throw new ScimException(400, $"userName '{userName}' is not an email address, and no work email was given.", ScimErrors.InvalidValue);
        }

        var name = ScimJson.Get(body, "name") as JsonObject;
        var displayName = ScimJson.Text(ScimJson.Get(body, "displayName"))
            ?? ScimJson.Text(ScimJson.Get(name, "formatted"));
        string? role = null;
        if (ScimJson.Get(body, "roles") is JsonArray roles)
        {
            role = roles.Select(r => r is JsonObject o ? ScimJson.Text(ScimJson.Get(o, "value")) : ScimJson.Text(r))
                .FirstOrDefault(r => r is not null && Roles.All.Contains(r));
        }

        var active = ScimJson.Has(body, "active") ? ScimJson.Bool(ScimJson.Get(body, "active")) : null;
        return new ScimUser(address, displayName is { Length: > 200 } ? displayName[..200] : displayName,
            ScimJson.Text(ScimJson.Get(name, "givenName")), ScimJson.Text(ScimJson.Get(name, "familyName")),
            ScimJson.Text(ScimJson.Get(body, "externalId")), active, role);
    }

    public static JsonObject Resource(UserRow user, IReadOnlyList<TeamRef> groups, string baseUrl)
    {
        var location = $"{baseUrl}/Users/{user.Id}";
        var name = new JsonObject();
        if (!string.IsNullOrEmpty(user.GivenName))
        {
            name["givenName"] = user.GivenName;
        }

        if (!string.IsNullOrEmpty(user.FamilyName))
        {
            name["familyName"] = user.FamilyName;
        }

        var formatted = string.Join(' ', new[] { user.GivenName, user.FamilyName }.Where(n => !string.IsNullOrEmpty(n)));
        if (formatted.Length > 0)
        {
            name["formatted"] = formatted;
        }

        var resource = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimJson.UserSchema),
            ["id"] = user.Id,
            ["userName"] = user.Email,
            ["name"] = name,
            ["displayName"] = user.DisplayName.Length > 0 ? user.DisplayName : formatted.Length > 0 ? formatted : user.Email,
            ["emails"] = new JsonArray(new JsonObject { ["value"] = user.Email, ["type"] = "work", ["primary"] = true }),
            ["active"] = user.Status != UserStatus.Disabled,
            ["roles"] = new JsonArray(new JsonObject { ["value"] = user.Role, ["primary"] = true }),
            ["groups"] = new JsonArray(groups.Select(g => (JsonNode)new JsonObject
            {
                ["value"] = g.Id, ["display"] = g.Name, ["$ref"] = $"{baseUrl}/Groups/{g.Id}",
            }).ToArray()),
            ["meta"] = ScimEndpoints.Meta("User", user.CreatedAt, user.UpdatedAt, location),
        };
        if (user.ExternalId is not null)
        {
            resource["externalId"] = user.ExternalId;
        }

        return resource;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} provisioned through SCIM in tenant {TenantId}")]
    private static partial void LogProvisioned(ILogger logger, string userId, string tenantId);
}
