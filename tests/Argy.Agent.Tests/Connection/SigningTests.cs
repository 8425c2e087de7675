using System.Globalization;
using Argy.Agent.Tests.Support;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Argy.Protocol.V1;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Payload = Argy.Protocol.V1.AgentMessage.PayloadOneofCase;

namespace Argy.Agent.Tests.Connection;

/// <summary>An agent in hmac mode, checked with the shared verifier as the control plane would.</summary>
public sealed class SigningTests : IAsyncLifetime
{
    private FakeControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await FakeControlPlane.StartAsync();

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private static SignatureCheck CheckMetadata(FakeCall call, SigningKey key)
    {
        var headers = call.Headers;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = new SignatureVerifier(time, new NonceCache(time, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew);
        return verifier.Verify(new SignedFields
        {
            KeyId = headers.GetValue(ProtocolHeaders.KeyId),
            Timestamp = long.Parse(headers.GetValue(ProtocolHeaders.Timestamp)!, CultureInfo.InvariantCulture),
            Nonce = headers.GetValue(ProtocolHeaders.Nonce),
            TenantId = headers.GetValue(ProtocolHeaders.TenantId),
            Principal = headers.GetValue(ProtocolHeaders.AgentId),
            Target = SigningScheme.ConnectTarget,
            BodySha256 = ConnectSignature.EmptyBodySha256,
        }, headers.GetValue(ProtocolHeaders.Signature), key);
    }

    private static bool Verifies(AgentMessage message, SigningKey key)
    {
        Span<byte> digest = stackalloc byte[32];
        AgentMessageBody.TryComputeWireDigest(message.ToByteArray(), digest, out _).Should().BeTrue();
        return HmacSignature.Verify(key.Secret, new SignedFields
        {
            KeyId = message.Signature.KeyId,
            Timestamp = message.Signature.Timestamp,
            Nonce = message.Signature.Nonce,
            TenantId = "ten_test",
            Principal = "agt_test",
            Target = SigningScheme.MessageTarget(message.PayloadCase),
            BodySha256 = digest,
        }, message.Signature.Signature);
    }

    [Fact]
    public async Task The_metadata_and_every_message_are_signed_and_numbered_within_the_stream()
    {
        await using var agent = await HmacAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();

        var hello = (await call.ReadAsync())!;
        await call.WelcomeAsync();
        await call.SendAsync(new ControlMessage { AssignJob = new AssignJob { RunId = "run-a", Script = "echo signed", Product = "shop" } });
        var (finished, before) = await call.ReadUntilAsync(Payload.JobFinished);

        call.Headers.GetValue(ProtocolHeaders.Authorization).Should().BeNull("the secret never travels in hmac mode");
        call.Headers.GetValue(ProtocolHeaders.KeyId).Should().Be("key_first");
        CheckMetadata(call, HmacAgent.FirstKey).Should().Be(SignatureCheck.Valid);
        var nonce = call.Headers.GetValue(ProtocolHeaders.Nonce)!;
        var messages = new[] { hello }.Concat(before).Append(finished).ToList();
        messages.Should().OnlyContain(m => Verifies(m, HmacAgent.FirstKey));
        messages.Select(m => m.Signature.Nonce).Should().Equal(Enumerable.Range(1, messages.Count).Select(n => $"{nonce}.{n}"));
        messages.Select(m => m.PayloadCase).Should().Contain([Payload.Hello, Payload.JobAccepted, Payload.LogChunk, Payload.JobFinished]);
        call.End();
    }

    [Fact]
    public async Task A_rotated_credential_is_used_after_reauthenticate_without_backoff()
    {
        await using var agent = await HmacAgent.StartAsync(_controlPlane.Url);
        var first = await _controlPlane.NextCallAsync();
        await first.ReadAsync();
        await first.WelcomeAsync();
        var newKey = await agent.RotateOnDiskAsync("key_second", "argy_agk_test_second-secret-0123456789abcdef");

        await first.SendAsync(new ControlMessage { Goodbye = new Goodbye { Reason = Goodbye.Types.Reason.Reauthenticate, Message = "rotated" } });
        first.End();
        var started = DateTime.UtcNow;
        var second = await _controlPlane.NextCallAsync(TimeSpan.FromSeconds(5));
        var hello = (await second.ReadAsync())!;

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(2), "re-authentication is not a failure: no backoff");
        second.Headers.GetValue(ProtocolHeaders.KeyId).Should().Be("key_second");
        CheckMetadata(second, newKey).Should().Be(SignatureCheck.Valid);
        Verifies(hello, newKey).Should().BeTrue();
        second.End();
    }

    [Fact]
    public async Task A_credential_rotated_under_a_running_agent_signs_the_next_messages_of_the_same_stream()
    {
        await using var agent = await HmacAgent.StartAsync(_controlPlane.Url);
        var call = await _controlPlane.NextCallAsync();
        await call.ReadAsync();
        await call.WelcomeAsync(heartbeat: TimeSpan.FromSeconds(1));
        var newKey = await agent.RotateOnDiskAsync("key_second", "argy_agk_test_second-secret-0123456789abcdef");

        // The heartbeat tick picks the new file up; the job's messages after that are signed with the new key.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await call.SendAsync(new ControlMessage { AssignJob = new AssignJob { RunId = "run-b", Script = "true", Product = "shop" } });
        var accepted = (await call.ReadAsync())!;

        accepted.PayloadCase.Should().Be(Payload.JobAccepted);
        accepted.Signature.KeyId.Should().Be("key_second");
        Verifies(accepted, newKey).Should().BeTrue();
        call.End();
    }
}
