using Argy.Agent.Configuration;
using Argy.Agent.Isolation;
using Argy.Agent.Jobs;
using Argy.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Tests.Support;

internal static class Jobs
{
    /// <summary>A runner with the agent's default isolation (bubblewrap), as production runs jobs.</summary>
    public static JobRunner Runner(string workRoot, TimeSpan? defaultTimeout = null, Action<AgentOptions>? configure = null)
    {
        var options = Agent(workRoot, defaultTimeout);
        configure?.Invoke(options);
        return Runner(options);
    }

    public static JobRunner Runner(AgentOptions options) =>
        new(Options.Create(options), JobIsolation.Of(Sandbox(options)), TimeProvider.System, NullLogger<JobRunner>.Instance);

    /// <summary>The sandbox the options ask for; fails the test when it cannot work here.</summary>
    public static JobSandbox Sandbox(AgentOptions options)
    {
        var plan = IsolationPlanner.PlanAsync(options, options.Isolation.Mode, CancellationToken.None).GetAwaiter().GetResult();
        return plan.Sandbox ?? throw new InvalidOperationException($"isolation {options.Isolation.Mode} cannot work here: {plan.Problem}");
    }

    public static AgentOptions Agent(string workRoot, TimeSpan? defaultTimeout = null, int capacity = 1) => new()
    {
        WorkRoot = workRoot,
        StateDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(workRoot))!, "state"),
        Capacity = capacity,
        DefaultJobTimeout = defaultTimeout ?? TimeSpan.FromMinutes(1),
        JobStopGracePeriod = TimeSpan.FromSeconds(2),
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
