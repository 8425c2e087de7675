using System.Net;
using System.Threading.Channels;
using Argy.Protocol.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Tests.Support;

/// <summary>
/// A real gRPC server on Kestrel (h2c on 127.0.0.1) standing in for the control plane. Each Connect call is
/// handed to the test as a <see cref="FakeCall"/>, which the test drives message by message.
/// </summary>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly Channel<FakeCall> _calls = Channel.CreateUnbounded<FakeCall>();
    private WebApplication? _app;

    public Uri Url { get; private set; } = null!;

    public static async Task<FakeControlPlane> StartAsync()
    {
        var controlPlane = new FakeControlPlane();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(controlPlane);
        var app = builder.Build();
        app.MapGrpcService<Gateway>();
        await app.StartAsync();

        controlPlane._app = app;
        controlPlane.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return controlPlane;
    }

    /// <summary>The next Connect call the agent makes.</summary>
    public async Task<FakeCall> NextCallAsync(TimeSpan? timeout = null) =>
        await _calls.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class Gateway(FakeControlPlane controlPlane) : AgentGateway.AgentGatewayBase
    {
        public override async Task Connect(
            IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<ControlMessage> responseStream, ServerCallContext context)
        {
            var call = new FakeCall(requestStream, responseStream, context);
            await controlPlane._calls.Writer.WriteAsync(call);
            try
            {
                await call.Completion.WaitAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The agent went away.
            }
        }
    }
}

/// <summary>One agent session as the control plane sees it.</summary>
internal sealed class FakeCall
{
    private readonly IAsyncStreamReader<AgentMessage> _requests;
    private readonly IServerStreamWriter<ControlMessage> _responses;
    private readonly ServerCallContext _context;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeCall(IAsyncStreamReader<AgentMessage> requests, IServerStreamWriter<ControlMessage> responses, ServerCallContext context)
    {
        _requests = requests;
        _responses = responses;
        _context = context;
    }

    public Metadata Headers => _context.RequestHeaders;

    public Task Completion => _completion.Task;

    /// <summary>When set (the default), a JobAccepted read is answered with StartJob, as the control plane does once it recorded the acceptance.</summary>
    public bool StartAcceptedJobs { get; set; } = true;

    /// <summary>The agent's next message other than a heartbeat; null when the agent closed its side.</summary>
    public async Task<AgentMessage?> ReadAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (await _requests.MoveNext(cancellation.Token))
        {
            var message = _requests.Current;
            if (message.PayloadCase == AgentMessage.PayloadOneofCase.JobAccepted && StartAcceptedJobs)
            {
                await SendAsync(new ControlMessage { StartJob = new StartJob { RunId = message.JobAccepted.RunId } });
            }

            if (message.PayloadCase != AgentMessage.PayloadOneofCase.Heartbeat)
            {
                return message;
            }
        }

        return null;
    }

    /// <summary>Reads until a message of the given kind, collecting what came before it.</summary>
    public async Task<(AgentMessage Message, List<AgentMessage> Before)> ReadUntilAsync(AgentMessage.PayloadOneofCase kind)
    {
        var before = new List<AgentMessage>();
        while (await ReadAsync() is { } message)
        {
            if (message.PayloadCase == kind)
            {
                return (message, before);
            }

            before.Add(message);
        }

        throw new InvalidOperationException($"the agent closed the stream before sending {kind}");
    }

    public Task SendAsync(ControlMessage message) => _responses.WriteAsync(message);

    public Task WelcomeAsync(TimeSpan? heartbeat = null, params string[] abandoned) => SendAsync(new ControlMessage
    {
        Welcome = new Welcome
        {
            HeartbeatInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(heartbeat ?? TimeSpan.FromSeconds(30)),
            MaxLogChunkBytes = 64 * 1024,
            AgentName = "builder-1",
            Tags = { "linux" },
            AbandonedRunIds = { abandoned },
        },
    });

    /// <summary>Ends the call normally (the agent sees the end of the response stream).</summary>
    public void End() => _completion.TrySetResult();

    /// <summary>Ends the call with a gRPC status.</summary>
    public void Fail(StatusCode code, string detail) => _completion.TrySetException(new RpcException(new Status(code, detail)));
}
