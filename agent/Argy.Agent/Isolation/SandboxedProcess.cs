using System.Diagnostics;
using System.Globalization;

namespace Argy.Agent.Isolation;

/// <summary>
/// A job inside bubblewrap. Our child is bwrap's monitor, outside the sandbox; its one child is the sandbox's
/// init (pid 1 in the job's PID namespace); everything the job runs descends from that init. When the init
/// dies the kernel kills the whole namespace, so nothing the job started can survive it.
/// </summary>
internal sealed class SandboxedProcess(Process process) : JobProcess(process)
{
    /// <summary>How long a sandbox may take to come up before killing its monitor is the only option left.</summary>
    private static readonly TimeSpan SetupLimit = TimeSpan.FromSeconds(5);

    public override bool Terminate()
    {
        var table = ProcessTable.Read();
        var job = InitPid() is { } init ? table.DescendantsOf(init) : [];

        // Not the init: a signal it has no handler for is ignored, and bwrap forwards none.
        foreach (var pid in job)
        {
            Native.Signal(pid, Native.SigTerm);
        }

        return job.Count > 0;
    }

    public override async Task KillAsync()
    {
        // Always through the init. Killing the monitor instead relies on --die-with-parent, which the sandbox
        // sets up only after it was cloned: a sandbox still being built would survive, with the job in it.
        var started = Stopwatch.GetTimestamp();
        while (!Process.HasExited && Stopwatch.GetElapsedTime(started) < SetupLimit)
        {
            if (InitPid() is { } init)
            {
                Native.Signal(init, Native.SigKill);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2));
        }

        try
        {
            Process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Exited before it ever started a sandbox.
        }
    }

    // The init exits with the job's main process and the kernel kills the rest of the namespace.
    public override void KillLeftovers()
    {
    }

    private int? InitPid()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 ? int.Parse(children[0], CultureInfo.InvariantCulture) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The monitor is gone, or the kernel lacks CONFIG_PROC_CHILDREN.
            return Process.HasExited ? null : ProcessTable.Read().ChildrenOf(Pid) is [var init, ..] ? init : null;
        }
    }
}
