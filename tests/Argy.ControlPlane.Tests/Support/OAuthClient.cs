using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Argy.ControlPlane.Tests.Support;

/// <summary>The device's side of the flow: form posts to /oauth/*, answers read as JSON whatever their status.</summary>
public sealed class OAuthClient(HttpClient http)
{
    public const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

    public async Task<(int Status, JsonObject Body, HttpResponseMessage Response)> PostAsync(string path, params (string Name, string Value)[] fields)
    {
        var response = await http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return ((int)response.StatusCode, body, response);
    }

    public async Task<JsonObject> AuthorizeAsync(string clientId = "argy-agent", params (string Name, string Value)[] extra)
    {
        var (status, body, _) = await PostAsync("/oauth/device_authorization", [("client_id", clientId), .. extra]);
        status.Should().Be(200, body.ToJsonString());
        return body;
    }

    public async Task<(int Status, JsonObject Body)> PollAsync(JsonObject authorization, string clientId = "argy-agent")
    {
        var (status, body, _) = await PostAsync("/oauth/token",
            ("grant_type", DeviceGrant), ("device_code", (string)authorization["device_code"]!), ("client_id", clientId));
        return (status, body);
    }

    /// <summary>Asserts an RFC 6749 error answer.</summary>
    public static void ShouldBeError((int Status, JsonObject Body) answer, string error, int status = 400)
    {
        answer.Status.Should().Be(status, answer.Body.ToJsonString());
        ((string)answer.Body["error"]!).Should().Be(error);
        ((string?)answer.Body["error_description"]).Should().NotBeNullOrWhiteSpace();
    }

    public static async Task<HttpResponseMessage> ApproveAsync(HttpClient approver, string userCode, string? name = null, string[]? tags = null) =>
        await approver.PostAsJsonAsync("/api/v1/device/approve", new { userCode, name, tags });
}
