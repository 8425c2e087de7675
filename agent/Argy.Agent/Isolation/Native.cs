using System.Runtime.InteropServices;

namespace Argy.Agent.Isolation;

/// <summary>The few libc calls .NET has no API for: who the agent is, chown, and signals to arbitrary pids.</summary>
internal static partial class Native
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>The user the agent runs as; only root can hand a job another one.</summary>
    public static JobUser CurrentUser => new(GetEffectiveUserId(), GetEffectiveGroupId());

    public static void ChangeOwner(string path, JobUser owner)
    {
        if (Chown(path, owner.Uid, owner.Gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"chown {path} to {owner}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>Sends a signal; false when the process (or group, for a negative pid) no longer exists.</summary>
    public static bool Signal(int pid, int signal) => SendSignal(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
