using System.CommandLine;
using Argy.Agent.Configuration;
using Argy.Agent.Enrollment;
using Argy.Agent.State;

namespace Argy.Agent.Cli;

internal static class EnrollCommand
{
    /// <summary>Lets the token stay out of the process list and shell history.</summary>
    public const string TokenVariable = "ARGY_ENROLLMENT_TOKEN";

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var url = CommonOptions.HttpUrl("--url", "Control plane base URL, e.g. https://argy.example.com");
        var token = new Option<string>("--token")
        {
            Description = $"One-time enrollment token (or set {TokenVariable})",
            HelpName = "TOKEN",
        };
        var stateDir = CommonOptions.StateDirectory();
        var force = new Option<bool>("--force") { Description = "Enroll again even though this machine is already enrolled" };

        var command = new Command("enroll", "Register this machine with a control plane and store its credential")
        {
            url, token, stateDir, force,
        };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async output =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));
            var enrollmentToken = parseResult.GetValue(token) is { Length: > 0 } given
                ? given
                : Environment.GetEnvironmentVariable(TokenVariable)
                  ?? throw new CliException(ExitCodes.Usage, $"an enrollment token is required: pass --token or set {TokenVariable}");

            var store = new AgentStateStore(options.StateDirectory);
            if (!parseResult.GetValue(force) && await store.LoadAsync(cancellationToken) is { } existing)
            {
                throw new CliException(ExitCodes.Failure, $"already enrolled as agent {existing.AgentId}; pass --force to enroll again");
            }

            store.EnsureWritable();
            var state = await EnrollAsync(parseResult.GetRequiredValue(url), enrollmentToken, cancellationToken);
            await store.SaveAsync(state, cancellationToken);

            var name = string.IsNullOrEmpty(state.Name) ? "" : $" ({state.Name})";
            await output.WriteLineAsync($"enrolled as agent {state.AgentId}{name}; credential stored in {store.FilePath}");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static async Task<AgentState> EnrollAsync(Uri controlPlane, string token, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = RequestTimeout,
        };
        try
        {
            return await new EnrollmentClient(http, TimeProvider.System).EnrollAsync(controlPlane, token, cancellationToken);
        }
        catch (EnrollmentException ex)
        {
            throw new CliException(ex.Refused ? ExitCodes.EnrollmentRefused : ExitCodes.Failure, ex.Message, ex);
        }
    }
}
