using System.Text.Json.Nodes;

namespace Argy.ControlPlane.Scim;

/// <summary>A SCIM error (RFC 7644 §3.12): answered with the Error schema and the status as a string.</summary>
public sealed class ScimException(int status, string detail, string? scimType = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string? ScimType { get; } = scimType;
}

public static class ScimErrors
{
    public const string ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
    public const string InvalidFilter = "invalidFilter";
    public const string InvalidSyntax = "invalidSyntax";
    public const string InvalidValue = "invalidValue";
    public const string Uniqueness = "uniqueness";
    public const string NoTarget = "noTarget";
    public const string Mutability = "mutability";

    public static JsonObject Body(int status, string detail, string? scimType)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(ErrorSchema),
            ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["detail"] = detail,
        };
        if (scimType is not null)
        {
            body["scimType"] = scimType;
        }

        return body;
    }

    public static IResult Result(int status, string detail, string? scimType = null) =>
        Microsoft.AspNetCore.Http.Results.Text(Body(status, detail, scimType).ToJsonString(), ScimJson.MediaType, System.Text.Encoding.UTF8, status);
}
