using System.Text.Json;
using System.Text.Json.Nodes;

namespace Argy.ControlPlane.Scim;

/// <summary>Reading SCIM JSON the way RFC 7643 says: attribute names are case-insensitive, and identity providers send booleans as strings.</summary>
public static class ScimJson
{
    public const string MediaType = "application/scim+json";
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string ListSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    public const string PatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    public static async Task<JsonObject> ReadAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) as JsonObject
                ?? throw new ScimException(400, "The request body must be a JSON object.", ScimErrors.InvalidSyntax);
        }
        catch (JsonException e)
        {
            throw new ScimException(400, $"The request body is not valid JSON: {e.Message}", ScimErrors.InvalidSyntax);
        }
    }

    /// <summary>The member with this name, ignoring case.</summary>
    public static JsonNode? Get(JsonObject? node, string name)
    {
        if (node is null)
        {
            return null;
        }

        foreach (var (key, value) in node)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public static bool Has(JsonObject? node, string name) => node is not null && node.Any(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text
        : node is JsonValue other && other.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? other.ToJsonString() : null;

    /// <summary>A boolean given as true/false or as the strings "True"/"False".</summary>
    public static bool? Bool(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<bool>(out var flag))
        {
            return flag;
        }

        return value.TryGetValue<string>(out var text) && bool.TryParse(text, out var parsed)
            ? parsed
            : throw new ScimException(400, $"'{value.ToJsonString()}' is not a boolean.", ScimErrors.InvalidValue);
    }

    public static IResult Result(JsonNode body, int status = 200) =>
        Microsoft.AspNetCore.Http.Results.Text(body.ToJsonString(), MediaType, System.Text.Encoding.UTF8, status);
}
