using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>A started job: its output pipes, its exit, and how to stop everything it started.</summary>
internal abstract class JobProcess(Process process) : IDisposable
{
    protected Process Process { get; } = process;

    public int Pid => Process.Id;

    public Stream StandardOutput => Process.StandardOutput.BaseStream;

    public Stream StandardError => Process.StandardError.BaseStream;

    public bool HasExited => Process.HasExited;

    /// <summary>The job's exit code; 128 + n when a signal n ended it.</summary>
    public int ExitCode => Process.ExitCode;

    /// <summary>Only the main process: the output pipes may stay open longer.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => Process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGTERM to every process of the job: the polite request to stop.</summary>
    /// <returns>False when there was nothing to be polite to yet (still starting): kill it instead.</returns>
    public abstract bool Terminate();

    /// <summary>SIGKILL to every process of the job.</summary>
    public abstract Task KillAsync();

    /// <summary>The main process exited: nothing it started may outlive it, or hold its output open.</summary>
    public abstract void KillLeftovers();

    public void Dispose()
    {
        Process.Dispose();
        GC.SuppressFinalize(this);
    }
}
