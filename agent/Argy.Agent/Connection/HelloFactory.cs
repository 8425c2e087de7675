using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Agent.State;
using Argy.Protocol;
using Argy.Protocol.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Connection;

/// <summary>What the agent presents when it opens a session: call metadata and the Hello message.</summary>
internal sealed class HelloFactory(AgentState state, JobRegistry registry, IOptions<AgentOptions> options)
{
    public Metadata CreateHeaders() => new()
    {
        { ProtocolHeaders.Authorization, $"{ProtocolHeaders.ApiKeyScheme} {state.Credential}" },
        { ProtocolHeaders.AgentId, state.AgentId },
        { ProtocolHeaders.TenantId, state.TenantId },
    };

    public AgentMessage CreateHello() => new()
    {
        Hello = new Hello
        {
            AgentId = state.AgentId,
            Version = AgentInfo.Version,
            Os = AgentInfo.Os,
            Arch = AgentInfo.Arch,
            Hostname = AgentInfo.Hostname,
            Tags = { options.Value.Tags },
            Capacity = options.Value.Capacity,
            RunningRunIds = { registry.ActiveRunIds() },
        },
    };
}
