using System.Text.Json;
using System.Text.Json.Serialization;
using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// What a login approved through the device flow inherits from the approver's credential besides its role and
/// tenant: the user (so disabling the user ends the token too), the org, and the product scope (so a
/// product-limited approver cannot mint an unlimited token).
/// </summary>
public sealed record LoginGrant(string? UserId, string? OrgId, IReadOnlyList<string>? ProductIds)
{
    public static string From(Caller approver) =>
        JsonSerializer.Serialize(new LoginGrant(approver.UserId, approver.OrgId, approver.ProductScope), LoginGrantJsonContext.Default.LoginGrant);

    public static ApiTokenGrant ToTokenGrant(string? json, string? approvedBy)
    {
        var grant = string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, LoginGrantJsonContext.Default.LoginGrant);
        return new ApiTokenGrant(grant?.UserId, grant?.OrgId, grant?.ProductIds, approvedBy);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LoginGrant))]
internal sealed partial class LoginGrantJsonContext : JsonSerializerContext;
