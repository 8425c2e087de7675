using System.CommandLine;
using Argy.Agent.Configuration;
using Argy.Agent.Enrollment;
using Argy.Agent.State;

namespace Argy.Agent.Cli;

/// <summary>
/// <c>argy-agent enroll</c>: unattended with a one-time token (<c>--token</c>, for scripts and images), or
/// interactive through the device flow (no token: print a code, wait for an approver).
/// </summary>
internal static class EnrollCommand
{
    /// <summary>Lets the token stay out of the process list and shell history.</summary>
    public const string TokenVariable = "ARGY_ENROLLMENT_TOKEN";

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Command Create() => Create(TimeProvider.System);

    internal static Command Create(TimeProvider time)
    {
        var url = CommonOptions.HttpUrl("--url", "Control plane base URL, e.g. https://argy.example.com");
        var token = new Option<string>("--token")
        {
            Description = $"One-time enrollment token from 'argy agents create' (or set {TokenVariable}); without one, an approver approves a code instead",
            HelpName = "TOKEN",
        };
        var name = new Option<string>("--name") { Description = "Name to suggest to the approver (interactive enrollment)", HelpName = "NAME" };
        var tags = new Option<string>("--tags") { Description = "Routing tags to suggest to the approver (interactive enrollment)", HelpName = "a,b" };
        var stateDir = CommonOptions.StateDirectory();
        var force = new Option<bool>("--force") { Description = "Enroll again even though this machine is already enrolled" };

        var command = new Command("enroll", "Register this machine with a control plane and store its credential")
        {
            url, token, name, tags, stateDir, force,
        };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async output =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));
            var enrollmentToken = parseResult.GetValue(token) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(TokenVariable);

            var store = new AgentStateStore(options.StateDirectory);
            if (!parseResult.GetValue(force) && await store.LoadAsync(cancellationToken) is { } existing)
            {
                throw new CliException(ExitCodes.Failure, $"already enrolled as agent {existing.AgentId}; pass --force to enroll again");
            }

            store.EnsureWritable();
            var controlPlane = parseResult.GetRequiredValue(url);
            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = RequestTimeout };
            var state = string.IsNullOrEmpty(enrollmentToken)
                ? await EnrollInteractivelyAsync(http, time, controlPlane, parseResult.GetValue(name), AgentTags.Parse(parseResult.GetValue(tags) ?? ""), output, cancellationToken)
                : await Run(() => new EnrollmentClient(http, time).EnrollAsync(controlPlane, enrollmentToken, cancellationToken));
            await store.SaveAsync(state, cancellationToken);

            var agentName = string.IsNullOrEmpty(state.Name) ? "" : $" ({state.Name})";
            await output.WriteLineAsync($"enrolled as agent {state.AgentId}{agentName} in {state.AuthMode} mode; credential stored in {store.FilePath}");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static async Task<AgentState> EnrollInteractivelyAsync(
        HttpClient http, TimeProvider time, Uri controlPlane, string? name, IReadOnlyList<string> tags, TextWriter output, CancellationToken cancellationToken)
    {
        var client = new DeviceFlowClient(http, time);
        var authorization = await Run(() => client.StartAsync(controlPlane, name, tags, cancellationToken));
        var suggested = (string.IsNullOrEmpty(name) ? "" : $" --name {name}") + (tags.Count == 0 ? "" : $" --tags {string.Join(',', tags)}");
        await output.WriteLineAsync($"""
            To enroll this machine, an approver (admin or platform engineer) runs:

              argy device approve {authorization.UserCode}{suggested}

            or opens {authorization.VerificationUriComplete ?? authorization.VerificationUri}
            and, after checking that the request shows host {AgentInfo.Hostname}, clicks Approve.
            Code: {authorization.UserCode} (expires in {Math.Max(1, authorization.ExpiresIn / 60)} min). Waiting for approval...
            """);
        await output.FlushAsync(cancellationToken);
        return await Run(() => client.WaitForApprovalAsync(controlPlane, authorization, cancellationToken));
    }

    private static async Task<T> Run<T>(Func<Task<T>> enroll)
    {
        try
        {
            return await enroll();
        }
        catch (EnrollmentException ex)
        {
            throw new CliException(ex.Refused ? ExitCodes.EnrollmentRefused : ExitCodes.Failure, ex.Message, ex);
        }
    }
}
