using System.CommandLine;
using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Enrollment;
using Argy.Agent.State;

namespace Argy.Agent.Cli;

/// <summary>
/// <c>argy-agent rotate</c>: replaces the agent's credential with a new one, authenticated by the current one.
/// The old credential keeps working for the control plane's grace period, and a running agent picks the new
/// one from the state file at its next heartbeat, so no job is interrupted.
/// </summary>
internal static class RotateCommand
{
    public static Command Create() => Create(TimeProvider.System);

    internal static Command Create(TimeProvider time)
    {
        var stateDir = CommonOptions.StateDirectory();
        var command = new Command("rotate", "Replace this agent's credential; the old one stays valid for a grace period") { stateDir };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async output =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));
            var store = new AgentStateStore(options.StateDirectory);
            var state = await store.LoadAsync(cancellationToken)
                ?? throw new CliException(ExitCodes.Failure, $"not enrolled (no {store.FilePath}); run 'argy-agent enroll' first");
            store.EnsureWritable();

            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = EnrollCommand.RequestTimeout };
            AgentState rotated;
            DateTimeOffset previousExpires;
            try
            {
                (rotated, previousExpires) = await new CredentialRotationClient(http, time).RotateAsync(state, cancellationToken);
            }
            catch (EnrollmentException ex)
            {
                throw new CliException(ex.Refused ? ExitCodes.CredentialRejected : ExitCodes.Failure, ex.Message, ex);
            }

            await store.SaveAsync(rotated, cancellationToken);
            var until = previousExpires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            await output.WriteLineAsync($"rotated the credential of agent {rotated.AgentId}: new key {rotated.KeyId} ({rotated.AuthMode}), stored in {store.FilePath}");
            await output.WriteLineAsync($"the previous credential ({state.KeyId ?? "api key"}) works until {until}Z; a running agent switches at its next heartbeat");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
