using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// A job inside bubblewrap. Our child is bwrap's monitor, outside the sandbox; its one child is the sandbox's
/// init (pid 1 in the job's PID namespace); everything the job runs descends from that init. When the init
/// dies the kernel kills the whole namespace, so nothing the job started can survive it.
/// </summary>
internal sealed class SandboxedProcess(Process process) : JobProcess(process)
{
    public override void Terminate()
    {
        var table = ProcessTable.Read();
        var job = InitOf(table) is { } init ? table.DescendantsOf(init) : [];
        if (job.Count == 0)
        {
            // Still being set up: there is nothing inside to be polite to yet.
            Kill();
            return;
        }

        // Not the init: a signal it has no handler for is ignored, and bwrap forwards none.
        foreach (var pid in job)
        {
            Native.Signal(pid, Native.SigTerm);
        }
    }

    public override void Kill()
    {
        if (InitOf(ProcessTable.Read()) is { } init)
        {
            Native.Signal(init, Native.SigKill);
        }

        try
        {
            // The monitor dies with it; if it went first, --die-with-parent takes the init down too.
            Process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    // The init exits with the job's main process and the kernel kills the rest of the namespace.
    public override void KillLeftovers()
    {
    }

    private int? InitOf(ProcessTable table) =>
        Process.HasExited ? null : table.ChildrenOf(Pid) is [var init, ..] ? init : null;
}
