using System.Net.Http.Json;
using Argy.Protocol;
using Argy.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>
/// An agent played by the test itself over the real protocol (API-key mode), so a test can stop at exactly
/// the step it wants: after an assignment, before or after accepting it.
/// </summary>
public sealed class ProtocolAgent : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly string _agentId;
    private readonly string _tenantId;
    private readonly string _credential;
    private AsyncDuplexStreamingCall<AgentMessage, ControlMessage>? _call;

    private ProtocolAgent(GrpcChannel channel, string agentId, string tenantId, string credential)
    {
        _channel = channel;
        _agentId = agentId;
        _tenantId = tenantId;
        _credential = credential;
    }

    public string Id => _agentId;

    public static async Task<ProtocolAgent> EnrollAsync(ControlPlane controlPlane, params string[] tags)
    {
        using var api = controlPlane.Api();
        var created = await api.CreateAgentAsync("proto-" + Guid.NewGuid().ToString("N")[..8], tags);
        using var anonymous = new ApiClient(controlPlane.Url, null);
        var enrolled = await ApiClient.ExpectJson(await anonymous.Http.PostAsJsonAsync("/api/v1/agents/enroll",
            new { token = (string)created["enrollmentToken"]!, hostname = "test", os = "linux", arch = "x64", version = "test" }), 200);
        ((string)enrolled["authMode"]!).Should().Be("apikey", "the test agent speaks the API-key mode");
        return new ProtocolAgent(GrpcChannel.ForAddress(controlPlane.GrpcUrl), (string)enrolled["agentId"]!, (string)enrolled["tenantId"]!, (string)enrolled["credential"]!);
    }

    /// <summary>Opens a stream, says Hello (listing <paramref name="running"/>), and returns the Welcome.</summary>
    public async Task<Welcome> ConnectAsync(params string[] running)
    {
        _call = new AgentGateway.AgentGatewayClient(_channel).Connect(new Metadata
        {
            { ProtocolHeaders.Authorization, $"{ProtocolHeaders.ApiKeyScheme} {_credential}" },
            { ProtocolHeaders.AgentId, _agentId },
            { ProtocolHeaders.TenantId, _tenantId },
        });
        var hello = new Hello { AgentId = _agentId, Version = "test", Os = "linux", Arch = "x64", Hostname = "test", Capacity = 1 };
        hello.RunningRunIds.Add(running);
        await SendAsync(new AgentMessage { Hello = hello });
        return (await ReadAsync()).Welcome ?? throw new InvalidOperationException("expected Welcome");
    }

    public Task SendAsync(AgentMessage message) => _call!.RequestStream.WriteAsync(message);

    public async Task<ControlMessage> ReadAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        if (!await _call!.ResponseStream.MoveNext(cancellation.Token))
        {
            throw new InvalidOperationException("the control plane ended the stream");
        }

        return _call.ResponseStream.Current;
    }

    /// <summary>Drops the stream abruptly, as a broken connection would.</summary>
    public void Drop()
    {
        _call?.Dispose();
        _call = null;
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

}
