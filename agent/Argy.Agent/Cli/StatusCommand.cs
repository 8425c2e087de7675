using System.CommandLine;
using Argy.Agent.Configuration;
using Argy.Agent.State;

namespace Argy.Agent.Cli;

internal static class StatusCommand
{
    public static Command Create()
    {
        var stateDir = CommonOptions.StateDirectory();
        var command = new Command("status", "Show whether this machine is enrolled, and as what") { stateDir };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async output =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));
            var store = new AgentStateStore(options.StateDirectory);

            var state = await store.LoadAsync(cancellationToken);
            if (state is null)
            {
                await output.WriteLineAsync("enrolled:      no");
                throw new CliException(ExitCodes.Failure, $"not enrolled (no {store.FilePath}); run 'argy-agent enroll' first");
            }

            await output.WriteLineAsync("enrolled:      yes");
            await output.WriteLineAsync($"agent id:      {state.AgentId}");
            await output.WriteLineAsync($"name:          {state.Name}");
            await output.WriteLineAsync($"tenant:        {state.TenantId}");
            await output.WriteLineAsync($"control plane: {state.ControlPlaneUrl}");
            await output.WriteLineAsync($"grpc:          {state.GrpcUrl}");
            await output.WriteLineAsync($"tags:          {string.Join(",", state.Tags)}");
            await output.WriteLineAsync($"state file:    {store.FilePath}");
            if (store.IsTooOpen())
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync(
                    $"warning: {store.FilePath} is readable by other users; run: chmod 600 {store.FilePath}");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
