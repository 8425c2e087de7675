using System.Runtime.InteropServices;

namespace Argy.Agent.Jobs;

/// <summary>
/// Each job runs as the leader of its own session and process group (via setsid), so that everything it
/// started, including processes that were reparented when their parent exited, can be killed as one.
/// </summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>The setsid program on the job's PATH, or null where there is none (then only the process tree is killed).</summary>
    public static string? FindSetsid(string searchPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return ExecutableLocator.Locate("setsid", searchPath, "/");
        }
        catch (JobSetupException)
        {
            return null;
        }
    }

    /// <summary>Kills every process left in the group; a group that is already empty is fine.</summary>
    public static void Kill(int processGroupId)
    {
        if (processGroupId > 1 && OperatingSystem.IsLinux())
        {
            _ = SendSignal(-processGroupId, SigKill);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
