using System.Text.Json.Nodes;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Storage;
using Microsoft.AspNetCore.Authentication;

namespace Argy.ControlPlane.Scim;

/// <summary>SCIM 2.0 (RFC 7643/7644) at /scim/v2: Users and Groups as Entra ID and Okta provision them.</summary>
public static class ScimEndpoints
{
    public const int MaxPageSize = 200;

    public static IServiceCollection AddArgyScim(this IServiceCollection services)
    {
        services.AddSingleton<ScimUsers>();
        services.AddSingleton<ScimGroups>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ScimAuthenticationHandler>(ArgySchemes.Scim, null);
        services.AddAuthorizationBuilder().AddPolicy(ScimAuthenticationHandler.Policy, policy => policy
            .AddAuthenticationSchemes(ArgySchemes.Scim)
            .RequireClaim(ScimAuthenticationHandler.ScimClaim));
        return services;
    }

    public static IEndpointRouteBuilder MapScimEndpoints(this IEndpointRouteBuilder app)
    {
        var scim = app.MapGroup("/scim/v2").WithTags("SCIM 2.0").RequireAuthorization(ScimAuthenticationHandler.Policy).AddEndpointFilter(ErrorsAsScim);

        scim.MapGet("/ServiceProviderConfig", (HttpContext c) => ScimJson.Result(ServiceProviderConfig(BaseUrl(c)))).WithSummary("What this SCIM service supports");
        scim.MapGet("/ResourceTypes", (HttpContext c) => ScimJson.Result(ListResponse(2, 1, [ResourceType("User", BaseUrl(c)), ResourceType("Group", BaseUrl(c))])))
            .WithSummary("The resource types: User and Group");
        scim.MapGet("/Schemas", () => ScimJson.Result(ListResponse(2, 1, [Schema(ScimJson.UserSchema, "User"), Schema(ScimJson.GroupSchema, "Group")])))
            .WithSummary("The core User and Group schemas");

        scim.MapGet("/Users", (string? filter, int? startIndex, int? count, HttpContext c, ScimUsers users) =>
                ScimJson.Result(users.List(c.Caller().Scope, filter, Start(startIndex), Count(count), BaseUrl(c))))
            .WithSummary("List or filter users (eq and and on userName, externalId, displayName)");
        scim.MapPost("/Users", async (HttpRequest r, HttpContext c, ScimUsers users) =>
            {
                var created = users.Create(Caller(c), await ScimJson.ReadAsync(r), BaseUrl(c));
                c.Response.Headers.Location = (string?)created["meta"]?["location"];
                return ScimJson.Result(created, 201);
            })
            .WithSummary("Provision a user (active at once; no invitation email)");
        scim.MapGet("/Users/{id}", (string id, HttpContext c, ScimUsers users) => ScimJson.Result(users.Get(c.Caller().Scope, id, BaseUrl(c))))
            .WithSummary("Get a user");
        scim.MapPut("/Users/{id}", async (string id, HttpRequest r, HttpContext c, ScimUsers users) =>
                ScimJson.Result(users.Replace(Caller(c), id, await ScimJson.ReadAsync(r), BaseUrl(c))))
            .WithSummary("Replace a user's attributes");
        scim.MapPatch("/Users/{id}", async (string id, HttpRequest r, HttpContext c, ScimUsers users) =>
                ScimJson.Result(users.Patch(Caller(c), id, await ScimJson.ReadAsync(r), BaseUrl(c))))
            .WithSummary("Change a user; active=false disables them (sessions end, tokens refused)");
        scim.MapDelete("/Users/{id}", (string id, HttpContext c, ScimUsers users) =>
            {
                users.Delete(Caller(c), id);
                return Results.NoContent();
            })
            .WithSummary("Delete a user");

        scim.MapGet("/Groups", (string? filter, int? startIndex, int? count, string? excludedAttributes, HttpContext c, ScimGroups groups) =>
                ScimJson.Result(groups.List(c.Caller().Scope, filter, Start(startIndex), Count(count), WithMembers(excludedAttributes), BaseUrl(c))))
            .WithSummary("List or filter groups (teams); excludedAttributes=members leaves members out");
        scim.MapPost("/Groups", async (HttpRequest r, HttpContext c, ScimGroups groups) =>
            {
                var created = groups.Create(Caller(c), await ScimJson.ReadAsync(r), BaseUrl(c));
                c.Response.Headers.Location = (string?)created["meta"]?["location"];
                return ScimJson.Result(created, 201);
            })
            .WithSummary("Create a group (a team)");
        scim.MapGet("/Groups/{id}", (string id, string? excludedAttributes, HttpContext c, ScimGroups groups) =>
                ScimJson.Result(groups.Get(c.Caller().Scope, id, WithMembers(excludedAttributes), BaseUrl(c))))
            .WithSummary("Get a group");
        scim.MapPut("/Groups/{id}", async (string id, HttpRequest r, HttpContext c, ScimGroups groups) =>
                ScimJson.Result(groups.Replace(Caller(c), id, await ScimJson.ReadAsync(r), BaseUrl(c))))
            .WithSummary("Replace a group's name and members");
        scim.MapPatch("/Groups/{id}", async (string id, string? excludedAttributes, HttpRequest r, HttpContext c, ScimGroups groups) =>
                ScimJson.Result(groups.Patch(Caller(c), id, await ScimJson.ReadAsync(r), BaseUrl(c), returnResource: true)!))
            .WithSummary("Change a group: add or remove members, rename");
        scim.MapDelete("/Groups/{id}", (string id, HttpContext c, ScimGroups groups) =>
            {
                groups.Delete(Caller(c), id);
                return Results.NoContent();
            })
            .WithSummary("Delete a group (the team)");

        scim.MapFallback((HttpContext c) => ScimErrors.Result(404, $"No SCIM resource at {c.Request.Path}."));
        return app;
    }

    /// <summary>The operations of a PatchOp with lower-case op names (identity providers send Add, Replace, Remove in any case).</summary>
    public static IEnumerable<(string Op, string? Path, JsonNode? Value)> Operations(JsonObject body)
    {
        if (ScimJson.Get(body, "Operations") is not JsonArray operations)
        {
            throw new ScimException(400, "A PATCH body needs an Operations array.", ScimErrors.InvalidSyntax);
        }

        foreach (var operation in operations)
        {
            var op = ScimJson.Text(ScimJson.Get(operation as JsonObject, "op"))?.ToLowerInvariant();
            if (op is not ("add" or "replace" or "remove"))
            {
                throw new ScimException(400, $"Unknown PATCH op '{op}': use add, replace or remove.", ScimErrors.InvalidSyntax);
            }

            var path = ScimJson.Text(ScimJson.Get((JsonObject)operation!, "path"));
            if (op == "remove" && path is null)
            {
                throw new ScimException(400, "A remove operation needs a path.", ScimErrors.NoTarget);
            }

            yield return (op, path, ScimJson.Get((JsonObject)operation!, "value"));
        }
    }

    public static JsonObject ListResponse(int total, int startIndex, IEnumerable<JsonObject> resources)
    {
        var items = new JsonArray(resources.Select(r => (JsonNode)r).ToArray());
        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimJson.ListSchema),
            ["totalResults"] = total,
            ["startIndex"] = startIndex,
            ["itemsPerPage"] = items.Count,
            ["Resources"] = items,
        };
    }

    public static JsonObject Meta(string resourceType, long created, long updated, string location) => new()
    {
        ["resourceType"] = resourceType,
        ["created"] = UnixMs.To(created).ToString("O"),
        ["lastModified"] = UnixMs.To(updated).ToString("O"),
        ["location"] = location,
        ["version"] = $"W/\"{updated}\"",
    };

    private static async ValueTask<object?> ErrorsAsScim(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ScimException e)
        {
            return ScimErrors.Result(e.Status, e.Message, e.ScimType);
        }
        catch (ApiProblemException e)
        {
            return ScimErrors.Result(e.Status, e.Message, e.Status == 409 ? ScimErrors.Uniqueness : null);
        }
    }

    private static Caller Caller(HttpContext context) => context.Caller() with { Role = Roles.Admin };

    private static int Start(int? startIndex) => Math.Max(1, startIndex ?? 1);

    private static int Count(int? count) => Math.Clamp(count ?? 100, 0, MaxPageSize);

    private static bool WithMembers(string? excluded) =>
        excluded is null || !excluded.Split(',', StringSplitOptions.TrimEntries).Any(a => a.Equals("members", StringComparison.OrdinalIgnoreCase));

    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/scim/v2";

    private static JsonObject ServiceProviderConfig(string baseUrl) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"),
        ["documentationUri"] = "https://datatracker.ietf.org/doc/html/rfc7644",
        ["patch"] = new JsonObject { ["supported"] = true },
        ["bulk"] = new JsonObject { ["supported"] = false, ["maxOperations"] = 0, ["maxPayloadSize"] = 0 },
        ["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = MaxPageSize },
        ["changePassword"] = new JsonObject { ["supported"] = false },
        ["sort"] = new JsonObject { ["supported"] = false },
        ["etag"] = new JsonObject { ["supported"] = false },
        ["authenticationSchemes"] = new JsonArray(new JsonObject
        {
            ["type"] = "oauthbearertoken", ["name"] = "OAuth Bearer Token", ["description"] = "The tenant's SCIM token", ["primary"] = true,
        }),
        ["meta"] = new JsonObject { ["resourceType"] = "ServiceProviderConfig", ["location"] = $"{baseUrl}/ServiceProviderConfig" },
    };

    private static JsonObject ResourceType(string name, string baseUrl) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:ResourceType"),
        ["id"] = name,
        ["name"] = name,
        ["endpoint"] = $"/{name}s",
        ["schema"] = name == "User" ? ScimJson.UserSchema : ScimJson.GroupSchema,
        ["meta"] = new JsonObject { ["resourceType"] = "ResourceType", ["location"] = $"{baseUrl}/ResourceTypes/{name}" },
    };

    private static JsonObject Schema(string id, string name) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Schema"),
        ["id"] = id,
        ["name"] = name,
    };
}
