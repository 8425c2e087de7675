using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// Runs each job as <see cref="BubblewrapSetup.User"/> with no_new_privs in its own user, PID, IPC, UTS and
/// cgroup namespaces: the host read-only, its workspace and a private /tmp writable, the agent's files hidden.
/// The network is shared: deployments need it.
/// </summary>
internal sealed class BubblewrapSandbox(BubblewrapSetup setup) : JobSandbox
{
    public BubblewrapSetup Setup { get; } = setup;

    public override IsolationMode Mode => IsolationMode.Bubblewrap;

    public override JobUser User => Setup.User;

    public override string Description =>
        $"bubblewrap sandbox as {User}{(Setup.DropPrivilegesWith is null ? " (the agent's own user)" : "")}, no_new_privs, " +
        "own PID/IPC/UTS/user namespaces, read-only host, only its workspace and a private /tmp writable, " +
        "the agent's state, configuration, logs and other runs' workspaces hidden";

    public override async Task<JobProcess> StartAsync(JobLaunch launch)
    {
        var hiddenDirectories = Setup.HiddenPaths.Where(Directory.Exists).ToList();
        var hiddenFiles = Setup.HiddenPaths.Where(File.Exists).ToList();
        var command = BubblewrapArguments.Build(Setup, launch, hiddenDirectories, hiddenFiles);

        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        // setpriv runs as root: it must not see a single variable the job chose (LD_PRELOAD and friends).
        info.Environment.Clear();
        info.Environment["PATH"] = SystemTools.SearchPath;

        var process = await ProcessSpawner.StartAsync(info);
        var sandboxed = new SandboxedProcess(process);
        try
        {
            await using var stdin = process.StandardInput.BaseStream;
            await stdin.WriteAsync(BubblewrapArguments.EnvironmentPayload(launch.Environment));
        }
        catch (IOException)
        {
            // bwrap failed before reading its arguments; its exit code and stderr say why.
        }

        return sandboxed;
    }
}
