using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Scim;

/// <summary>SCIM Groups over the tenant's teams: displayName is the team's name, members its members.</summary>
public sealed partial class ScimGroups(TeamStore teams, UserStore users, ResourceQuotas quotas, AuditedWrites writes, ILogger<ScimGroups> logger)
{
    public JsonObject List(TenantScope scope, string? filter, int startIndex, int count, bool withMembers, string baseUrl)
    {
        IEnumerable<TeamRow> rows = teams.List(scope).OrderBy(t => t.CreatedAt).ThenBy(t => t.Id);
        if (!string.IsNullOrWhiteSpace(filter))
        {
            foreach (var comparison in ScimFilter.Parse(filter))
            {
                Func<TeamRow, bool> match = comparison.Attribute.ToLowerInvariant() switch
                {
                    // Team names are unique without regard to case, as SCIM's displayName comparison is.
                    "displayname" => t => comparison.Value is not null && t.NameKey == TeamStore.NameKey(comparison.Value),
                    "externalid" => t => t.ExternalId == comparison.Value,
                    "id" => t => t.Id == comparison.Value,
                    _ => throw new ScimException(400, $"Filtering on '{comparison.Attribute}' is not supported; use displayName, externalId or id.", ScimErrors.InvalidFilter),
                };
                rows = rows.Where(match);
            }
        }

        var all = rows.ToList();
        var page = all.Skip(startIndex - 1).Take(count);
        return ScimEndpoints.ListResponse(all.Count, startIndex, page.Select(t => Resource(scope, t, withMembers, baseUrl)));
    }

    public JsonObject Get(TenantScope scope, string id, bool withMembers, string baseUrl) => Resource(scope, Find(scope, id), withMembers, baseUrl);

    public JsonObject Create(Caller caller, JsonObject body, string baseUrl)
    {
        var name = DisplayName(body) ?? throw new ScimException(400, "displayName is required.", ScimErrors.InvalidValue);
        quotas.EnsureRoom(caller.Scope, QuotaKind.Teams);
        using var write = writes.Begin();
        var team = teams.Create(write.Connection, write.Transaction, caller.Scope, name, "", null, ScimJson.Text(ScimJson.Get(body, "externalId")), null)
            ?? throw new ScimException(409, $"A group named '{name}' already exists.", ScimErrors.Uniqueness);
        if (ScimJson.Get(body, "members") is JsonArray members)
        {
            teams.SetMembers(write.Connection, write.Transaction, caller.Scope, team.Id, MemberIds(caller.Scope, members));
        }

        write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamCreated, AuditResources.Team, team.Id, Detail: $"Group '{name}' provisioned by SCIM.",
            Data: new Dictionary<string, string?> { ["name"] = name, ["via"] = "scim" }));
        LogProvisioned(logger, team.Id, caller.Scope.TenantId);
        return Get(caller.Scope, team.Id, withMembers: true, baseUrl);
    }

    public JsonObject Replace(Caller caller, string id, JsonObject body, string baseUrl)
    {
        Find(caller.Scope, id);
        using var write = writes.Begin();
        Rename(write, caller.Scope, id, DisplayName(body), ScimJson.Text(ScimJson.Get(body, "externalId")));
        if (ScimJson.Get(body, "members") is JsonArray members)
        {
            teams.SetMembers(write.Connection, write.Transaction, caller.Scope, id, MemberIds(caller.Scope, members));
        }

        write.Commit(caller.Scope, Updated(id, "replace"));
        return Get(caller.Scope, id, withMembers: true, baseUrl);
    }

    /// <summary>PATCH with Entra's and Okta's forms: members add/remove by value or by <c>members[value eq "id"]</c>, displayName replace.</summary>
    public JsonObject? Patch(Caller caller, string id, JsonObject body, string baseUrl, bool returnResource)
    {
        Find(caller.Scope, id);
        using var write = writes.Begin();
        foreach (var (op, path, value) in ScimEndpoints.Operations(body))
        {
            var normalized = path?.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            switch (normalized)
            {
                case null when value is JsonObject attributes:
                    Rename(write, caller.Scope, id, DisplayName(attributes), ScimJson.Text(ScimJson.Get(attributes, "externalId")));
                    if (ScimJson.Get(attributes, "members") is JsonArray replaced)
                    {
                        teams.SetMembers(write.Connection, write.Transaction, caller.Scope, id, MemberIds(caller.Scope, replaced));
                    }

                    break;
                case "displayname":
                    Rename(write, caller.Scope, id, ScimJson.Text(value), null);
                    break;
                case "externalid":
                    Rename(write, caller.Scope, id, null, ScimJson.Text(value));
                    break;
                case "members":
                    var ids = value is JsonArray list ? MemberIds(caller.Scope, list) : [];
                    if (op == "add")
                    {
                        ids.ForEach(userId => teams.AddMember(write.Connection, write.Transaction, caller.Scope, id, userId));
                    }
                    else if (op == "replace")
                    {
                        teams.SetMembers(write.Connection, write.Transaction, caller.Scope, id, ids);
                    }
                    else if (value is JsonArray)
                    {
                        ids.ForEach(userId => TeamStore.RemoveMember(write.Connection, write.Transaction, caller.Scope, id, userId));
                    }
                    else
                    {
                        teams.SetMembers(write.Connection, write.Transaction, caller.Scope, id, []);
                    }

                    break;
                case not null when op == "remove" && MemberFilter().Match(path!.Trim()) is { Success: true } member:
                    TeamStore.RemoveMember(write.Connection, write.Transaction, caller.Scope, id, member.Groups[1].Value);
                    break;
                default:
                    // Attributes Argy does not keep are accepted and ignored.
                    break;
            }
        }

        write.Commit(caller.Scope, Updated(id, "patch"));
        return returnResource ? Get(caller.Scope, id, withMembers: true, baseUrl) : null;
    }

    public void Delete(Caller caller, string id)
    {
        Find(caller.Scope, id);
        using var write = writes.Begin();
        TeamStore.Delete(write.Connection, write.Transaction, caller.Scope, id);
        write.Commit(caller.Scope, new AuditEntry(AuditActions.TeamDeleted, AuditResources.Team, id, Detail: $"Group {id} deprovisioned by SCIM.",
            Data: new Dictionary<string, string?> { ["via"] = "scim" }));
    }

    private static AuditEntry Updated(string id, string how) =>
        new(AuditActions.TeamUpdated, AuditResources.Team, id, Detail: $"Group {id} updated by SCIM ({how}).",
            Data: new Dictionary<string, string?> { ["via"] = "scim", ["operation"] = how });

    private void Rename(AuditedWrite write, TenantScope scope, string id, string? name, string? externalId)
    {
        if (name is not null && !TeamValidation.IsName(name))
        {
            throw new ScimException(400, "displayName must be 1-200 characters without control characters.", ScimErrors.InvalidValue);
        }

        if ((name is not null || externalId is not null) && !teams.Update(write.Connection, write.Transaction, scope, id, name, null, null, false, externalId))
        {
            throw new ScimException(409, $"A group named '{name}' already exists.", ScimErrors.Uniqueness);
        }
    }

    /// <summary>Member ids that are users of this tenant; others (already deleted, or foreign) are skipped.</summary>
    private List<string> MemberIds(TenantScope scope, JsonArray members)
    {
        var ids = members.Select(m => m is JsonObject o ? ScimJson.Text(ScimJson.Get(o, "value")) : ScimJson.Text(m))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return users.GetMany(scope, ids).Select(u => u.Id).ToList();
    }

    private static string? DisplayName(JsonObject body) => ScimJson.Text(ScimJson.Get(body, "displayName")) is { } name && TeamValidation.IsName(name)
        ? name.Trim()
        : ScimJson.Has(body, "displayName") ? throw new ScimException(400, "displayName must be 1-200 characters.", ScimErrors.InvalidValue) : null;

    private TeamRow Find(TenantScope scope, string id) => teams.Get(scope, id) ?? throw new ScimException(404, $"Group {id} not found.");

    private JsonObject Resource(TenantScope scope, TeamRow team, bool withMembers, string baseUrl)
    {
        var resource = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimJson.GroupSchema),
            ["id"] = team.Id,
            ["displayName"] = team.Name,
        };
        if (team.ExternalId is not null)
        {
            resource["externalId"] = team.ExternalId;
        }

        if (withMembers)
        {
            resource["members"] = new JsonArray(teams.Members(scope, team.Id).Select(m => (JsonNode)new JsonObject
            {
                ["value"] = m.UserId, ["display"] = m.Email, ["$ref"] = $"{baseUrl}/Users/{m.UserId}",
            }).ToArray());
        }

        resource["meta"] = ScimEndpoints.Meta("Group", team.CreatedAt, team.UpdatedAt, $"{baseUrl}/Groups/{team.Id}");
        return resource;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^members\[\s*value\s+eq\s+""([^""]+)""\s*\]$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex MemberFilter();

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId} provisioned through SCIM in tenant {TenantId}")]
    private static partial void LogProvisioned(ILogger logger, string teamId, string tenantId);
}
