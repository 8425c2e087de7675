using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Tests.Support;

internal static class Jobs
{
    public static JobRunner Runner(string workRoot, TimeSpan? defaultTimeout = null) =>
        new(Options.Create(Agent(workRoot, defaultTimeout)), TimeProvider.System, NullLogger<JobRunner>.Instance);

    public static AgentOptions Agent(string workRoot, TimeSpan? defaultTimeout = null, int capacity = 1) => new()
    {
        WorkRoot = workRoot,
        Capacity = capacity,
        DefaultJobTimeout = defaultTimeout ?? TimeSpan.FromMinutes(1),
    };

    public static AssignJob Script(string script, string runId = "run-1", TimeSpan? timeout = null) => new()
    {
        RunId = runId,
        Script = script,
        Product = "shop",
        Timeout = timeout is { } t ? Duration.FromTimeSpan(t) : null,
    };

    public static AssignJob Command(params string[] argv) => new()
    {
        RunId = "run-cmd",
        Command = new Command { Argv = { argv } },
        Product = "shop",
    };
}
