using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Grpc.Core;

namespace Argy.ControlPlane.Tests.Agents;

/// <summary>Credential rotation: both keys work during the grace period, then only the new one.</summary>
public sealed class RotationTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(15);

    private static async Task<HttpResponseMessage> RotateAsync(TestControlPlane controlPlane, EnrolledAgent agent, Action<HttpRequestMessage>? tamper = null)
    {
        var body = "{}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlPlane.HttpUrl, $"/api/v1/agents/{agent.AgentId}/credentials/rotate"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (agent.AuthMode == "hmac")
        {
            HttpRequestSigner.Sign(request, agent.Key, agent.TenantId, ProtocolHeaders.AgentId, agent.AgentId, body, controlPlane.Time);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("authorization", "ApiKey " + agent.Credential);
            request.Headers.Add(ProtocolHeaders.AgentId, agent.AgentId);
            request.Headers.Add(ProtocolHeaders.TenantId, agent.TenantId);
        }

        tamper?.Invoke(request);
        return await controlPlane.Http().SendAsync(request);
    }

    private static async Task<EnrolledAgent> RotatedAsync(TestControlPlane controlPlane, EnrolledAgent agent)
    {
        var rotated = await TestControlPlane.Json(await RotateAsync(controlPlane, agent), 200);
        ((DateTimeOffset)rotated["previousKeysExpireAt"]!).Should().Be(controlPlane.Time.GetUtcNow() + Grace);
        return agent with { Credential = (string)rotated["credential"]!, KeyId = (string)rotated["keyId"]!, AuthMode = (string)rotated["authMode"]! };
    }

    private static GatewayClient Client(TestControlPlane controlPlane, EnrolledAgent agent) =>
        new(new AgentGateway.AgentGatewayClient(controlPlane.Channel()), agent, controlPlane.Time);

    [Fact]
    public async Task During_the_grace_period_both_keys_sign_and_the_stream_moves_to_the_new_key_without_reconnecting()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var old = await controlPlane.EnrollAgentAsync();
        var stream = Client(controlPlane, old);
        await stream.ConnectAsync();

        var current = await RotatedAsync(controlPlane, old);
        await stream.SendAcknowledgedAsync(1, old.Key);
        await stream.SendAcknowledgedAsync(2, current.Key);
        controlPlane.Time.Advance(Grace);
        await stream.SendAcknowledgedAsync(3, current.Key);

        current.KeyId.Should().NotBe(old.KeyId);
        var agent = await TestControlPlane.Json(await controlPlane.Admin().GetAsync($"/api/v1/agents/{old.AgentId}"), 200);
        ((string)agent["status"]!).Should().Be("Connected", "the stream lives on with the new key");
        (await AuditEvents.WaitForAsync(controlPlane, "agent.credential.rotated")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_stream_still_on_the_old_key_is_told_to_reauthenticate_when_the_grace_period_ends()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var old = await controlPlane.EnrollAgentAsync();
        var stream = Client(controlPlane, old);
        await stream.ConnectAsync();
        var current = await RotatedAsync(controlPlane, old);

        controlPlane.Time.Advance(Grace - TimeSpan.FromSeconds(1));
        await stream.SendAcknowledgedAsync(1, old.Key);
        controlPlane.Time.Advance(TimeSpan.FromSeconds(1));

        var goodbye = await stream.ReadAsync();
        goodbye.Goodbye.Reason.Should().Be(Goodbye.Types.Reason.Reauthenticate);
        var oldAgain = Client(controlPlane, old);
        oldAgain.Open(oldAgain.SignedHeaders());
        await oldAgain.SendAsync(oldAgain.Hello());
        (await oldAgain.EndAsync()).Status.Detail.Should().Contain("UnknownKey");
        (await Client(controlPlane, current).ConnectAsync()).Should().NotBeNull();
    }

    [Fact]
    public async Task In_apikey_mode_the_old_key_connects_during_the_grace_period_and_not_after()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:AgentAuth:Mode"] = "apikey" });
        var old = await controlPlane.EnrollAgentAsync();
        var current = await RotatedAsync(controlPlane, old);

        (await Client(controlPlane, old).ConnectAsync()).Should().NotBeNull();
        var bound = Client(controlPlane, old);
        await bound.ConnectAsync();
        controlPlane.Time.Advance(Grace);

        (await bound.ReadAsync()).Goodbye.Reason.Should().Be(Goodbye.Types.Reason.Reauthenticate);
        var refused = Client(controlPlane, old);
        refused.Open(GatewayClient.ApiKeyHeaders(old));
        await refused.SendAsync(refused.Hello());
        (await refused.EndAsync()).StatusCode.Should().Be(StatusCode.Unauthenticated);
        (await Client(controlPlane, current).ConnectAsync()).Should().NotBeNull();
    }

    [Fact]
    public async Task Rotation_moves_an_agent_to_the_configured_mode()
    {
        await using var apikey = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:AgentAuth:Mode"] = "apikey" });
        var agent = await apikey.EnrollAgentAsync();
        var services = apikey.Services;
        var options = (Microsoft.Extensions.Options.IOptions<Argy.ControlPlane.Agents.AgentAuthOptions>)services.GetService(typeof(Microsoft.Extensions.Options.IOptions<Argy.ControlPlane.Agents.AgentAuthOptions>))!;
        options.Value.Mode = "hmac";

        var rotated = await RotatedAsync(apikey, agent);

        rotated.AuthMode.Should().Be("hmac");
        (await Client(apikey, rotated).ConnectAsync()).Should().NotBeNull();
        var listed = await TestControlPlane.Json(await apikey.Admin().GetAsync($"/api/v1/agents/{agent.AgentId}"), 200);
        ((string)listed["authMode"]!).Should().Be("hmac");
    }

    [Fact]
    public async Task A_rotation_request_with_a_bad_signature_or_for_another_agent_is_refused()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var agent = await controlPlane.EnrollAgentAsync();
        var other = await controlPlane.EnrollAgentAsync();

        var tampered = await RotateAsync(controlPlane, agent, request => request.Content = new StringContent("{\"x\":1}"));
        var forAnother = await RotateAsync(controlPlane, agent, request => request.RequestUri = new Uri(controlPlane.HttpUrl, $"/api/v1/agents/{other.AgentId}/credentials/rotate"));
        var withApiToken = await controlPlane.Admin().PostAsJsonAsync($"/api/v1/agents/{agent.AgentId}/credentials/rotate", new JsonObject());

        ((int)tampered.StatusCode).Should().Be(401);
        (await tampered.Content.ReadAsStringAsync()).Should().Contain("BadSignature");
        ((int)forAnother.StatusCode).Should().Be(401, "the path is signed, so the request does not verify for another agent");
        ((int)withApiToken.StatusCode).Should().Be(401, "only the agent itself rotates its credential");
    }
}
