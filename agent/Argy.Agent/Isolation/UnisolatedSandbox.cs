using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// Mode <see cref="IsolationMode.None"/>: the job is a plain child process with the agent's user and view of
/// the host. Only its environment is clean. For development machines without bubblewrap.
/// </summary>
internal sealed class UnisolatedSandbox(JobUser agentUser) : JobSandbox
{
    private readonly string? _setsid = SystemTools.Locate("setsid");
    private readonly string? _env = SystemTools.Locate("env");

    public override IsolationMode Mode => IsolationMode.None;

    public override JobUser User { get; } = agentUser;

    public override string Description =>
        $"NO ISOLATION: plain processes as the agent's own user ({User}{(User.IsRoot ? ", root" : "")}) that can read and change " +
        "everything the agent can, including its credential";

    public override async Task<JobProcess> StartAsync(JobLaunch launch)
    {
        // setsid execs the program in place (same pid), which then leads its own process group; env resets the
        // signals the agent ignores (SIGPIPE), which a child would otherwise inherit.
        var command = new List<string>();
        if (_setsid is not null)
        {
            command.Add(_setsid);
        }

        if (_env is not null)
        {
            command.AddRange([_env, BubblewrapArguments.SignalDefaults]);
        }

        command.Add(launch.Program);
        command.AddRange(launch.Arguments);
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = launch.Workspace,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (name, value) in launch.Environment)
        {
            info.Environment[name] = value;
        }

        var process = await ProcessSpawner.StartAsync(info);

        // An empty stdin, not the agent's.
        process.StandardInput.Close();
        return new ProcessGroupProcess(process, leadsGroup: _setsid is not null);
    }
}
