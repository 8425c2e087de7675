using System.Collections.Concurrent;
using System.Diagnostics;

namespace Argy.Agent.Isolation;

/// <summary>
/// Starts job processes from one thread that lives as long as the agent. bubblewrap's --die-with-parent
/// (PR_SET_PDEATHSIG) fires when the thread that forked the sandbox exits, not the process: started from a
/// thread-pool thread, a job would be killed whenever the pool retired that thread.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = new();

    static ProcessSpawner()
    {
        var thread = new Thread(SpawnLoop) { IsBackground = true, Name = "argy-job-spawner" };
        thread.Start();
    }

    public static Task<Process> StartAsync(ProcessStartInfo info)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task;
    }

    private static void SpawnLoop()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            var process = new Process { StartInfo = info };
            try
            {
                process.Start();
                started.SetResult(process);
            }
            catch (Exception ex)
            {
                process.Dispose();
                started.SetException(ex);
            }
        }
    }
}
