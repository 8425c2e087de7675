using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// A job without a sandbox, started as the leader of its own process group (via setsid) so that what it
/// started can be signalled as one, even after being reparented away from it. A job that calls setsid itself
/// escapes this; only the bubblewrap mode's PID namespace is airtight.
/// </summary>
internal sealed class ProcessGroupProcess(Process process, bool leadsGroup) : JobProcess(process)
{
    public override bool Terminate() => SignalAll(Native.SigTerm);

    public override Task KillAsync()
    {
        SignalAll(Native.SigKill);

        // Not a group leader yet (between fork and setsid): the group does not exist, the process does.
        // Process.Kill, not kill(2): it knows whether the pid is still ours or was reaped and reused.
        try
        {
            Process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        return Task.CompletedTask;
    }

    public override void KillLeftovers()
    {
        if (leadsGroup)
        {
            Native.Signal(-Pid, Native.SigKill);
        }
    }

    private bool SignalAll(int signal)
    {
        if (leadsGroup)
        {
            // The group outlives its leader for as long as any member is alive.
            return Native.Signal(-Pid, signal);
        }

        var signalled = false;
        if (!Process.HasExited)
        {
            foreach (var pid in ProcessTable.Read().DescendantsOf(Pid).Prepend(Pid))
            {
                signalled |= Native.Signal(pid, signal);
            }
        }

        return signalled;
    }
}
