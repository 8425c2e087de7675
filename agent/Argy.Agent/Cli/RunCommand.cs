using System.CommandLine;
using Argy.Agent.Configuration;
using Argy.Agent.Hosting;
using Argy.Agent.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Argy.Agent.Cli;

internal static class RunCommand
{
    public static Command Create()
    {
        var stateDir = CommonOptions.StateDirectory();
        var workRoot = new Option<string>("--work-root")
        {
            Description = "Directory for job workspaces (default: Agent:WorkRoot, /work)",
            HelpName = "DIR",
        };
        var capacity = new Option<int?>("--capacity") { Description = "Jobs run at once (default: Agent:Capacity, 1)", HelpName = "N" };
        var tags = new Option<string>("--tags") { Description = "Comma-separated tags this agent declares", HelpName = "a,b" };

        var command = new Command("run", "Connect to the control plane and run jobs until SIGTERM/SIGINT")
        {
            stateDir, workRoot, capacity, tags,
        };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async _ =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            CommonOptions.AddPath(overrides, parseResult, workRoot, nameof(AgentOptions.WorkRoot));
            if (parseResult.GetValue(capacity) is { } slots)
            {
                overrides[AgentConfiguration.Key(nameof(AgentOptions.Capacity))] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (parseResult.GetValue(tags) is { } declared)
            {
                overrides[AgentConfiguration.Key(nameof(AgentOptions.Tags))] = declared;
            }

            var configuration = AgentConfiguration.Build(overrides);
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(configuration);
            var store = new AgentStateStore(options.StateDirectory);
            var state = await store.LoadAsync(cancellationToken)
                ?? throw new CliException(ExitCodes.Failure, $"not enrolled (no {store.FilePath}); run 'argy-agent enroll' first");

            if (store.IsTooOpen())
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync(
                    $"warning: {store.FilePath} is readable by other users; run: chmod 600 {store.FilePath}");
            }

            var host = AgentHost.Build(configuration, state);
            var exitCode = host.Services.GetRequiredService<AgentExitCode>();

            // Not the invocation's token: SIGTERM/SIGINT belong to the host, whose shutdown drains the jobs.
            // RunAsync disposes the host.
            await host.RunAsync(CancellationToken.None);
            return exitCode.Code;
        }, cancellationToken));
        return command;
    }
}
