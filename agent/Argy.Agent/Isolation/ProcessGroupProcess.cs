using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// A job without a sandbox, started as the leader of its own process group (via setsid) so that what it
/// started can be signalled as one, even after being reparented away from it. A job that calls setsid itself
/// escapes this; only the bubblewrap mode's PID namespace is airtight.
/// </summary>
internal sealed class ProcessGroupProcess(Process process, bool leadsGroup) : JobProcess(process)
{
    public override void Terminate() => SignalAll(Native.SigTerm);

    public override void Kill() => SignalAll(Native.SigKill);

    public override void KillLeftovers()
    {
        if (leadsGroup)
        {
            Native.Signal(-Pid, Native.SigKill);
        }
    }

    private void SignalAll(int signal)
    {
        if (leadsGroup)
        {
            // The group outlives its leader for as long as any member is alive.
            Native.Signal(-Pid, signal);
            return;
        }

        if (!Process.HasExited)
        {
            foreach (var pid in ProcessTable.Read().DescendantsOf(Pid).Prepend(Pid))
            {
                Native.Signal(pid, signal);
            }
        }
    }
}
