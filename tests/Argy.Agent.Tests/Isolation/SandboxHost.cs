using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Isolation;

/// <summary>
/// An agent's files as they are on a real host, around a runner with the default isolation: a work root, a
/// state directory with a credential file only root can read, and a configuration file with a secret in it.
/// </summary>
internal sealed class SandboxHost : IDisposable
{
    public const string Credential = "argy_agent_credential_must_stay_hidden";
    public const string ConfigSecret = "config-secret-must-stay-hidden";

    private readonly TempDirectory _directory = new();

    public SandboxHost(Action<AgentOptions>? configure = null)
    {
        Directory.CreateDirectory(StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(CredentialFile, $"{{\"credential\":\"{Credential}\"}}");
        File.SetUnixFileMode(CredentialFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(ConfigFile, $"{{\"secret\":\"{ConfigSecret}\"}}");

        Options = Support.Jobs.Agent(WorkRoot);
        Options.StateDirectory = StateDirectory;
        Options.Isolation.HiddenPaths.Add(ConfigFile);
        configure?.Invoke(Options);
        Runner = Support.Jobs.Runner(Options);
    }

    public AgentOptions Options { get; }

    public JobRunner Runner { get; }

    public CollectingSink Sink { get; } = new();

    public string WorkRoot => _directory.Combine("work");

    public string StateDirectory => _directory.Combine("state");

    public string CredentialFile => Path.Combine(StateDirectory, "agent.json");

    public string ConfigFile => _directory.Combine("appsettings.json");

    public Task<JobFinished> RunAsync(AssignJob job, JobCancellation? cancellation = null) =>
        Runner.RunAsync(job, Sink, cancellation ?? new JobCancellation());

    /// <summary>Runs a script and returns its stdout and stderr together.</summary>
    public async Task<string> OutputOfAsync(string script, string runId = "run-1")
    {
        await RunAsync(Support.Jobs.Script(script, runId));
        return Sink.Output(OutputStream.Stdout, OutputStream.Stderr);
    }

    public void Dispose() => _directory.Dispose();
}
