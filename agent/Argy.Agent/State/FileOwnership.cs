using System.Runtime.InteropServices;

namespace Argy.Agent.State;

/// <summary>
/// Keeps the state file owned by the agent's user when an operator runs enroll or rotate as root: the file is
/// given to the owner of the state directory (which the service's user owns), so the service can still read
/// it. Linux only; elsewhere, or when not root, nothing changes.
/// </summary>
internal static partial class FileOwnership
{
    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x8;
    private const uint StatxGid = 0x10;
    private const int StatxBufferSize = 256;
    private const int UidOffset = 20;
    private const int GidOffset = 24;

    public static void MatchDirectoryOwner(string file, string directory)
    {
        if (!OperatingSystem.IsLinux() || GetEffectiveUserId() != 0 || !TryGetOwner(directory, out var uid, out var gid) || uid == 0)
        {
            return;
        }

        if (Chown(file, uid, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new AgentStateException($"cannot give {file} to uid {uid} (the owner of {directory}): {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    private static bool TryGetOwner(string path, out uint uid, out uint gid)
    {
        // struct statx has the same layout on every Linux architecture, unlike struct stat.
        Span<byte> buffer = stackalloc byte[StatxBufferSize];
        uid = gid = 0;
        if (Statx(AtFdCwd, path, 0, StatxUid | StatxGid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }

        uid = BitConverter.ToUInt32(buffer[UidOffset..]);
        gid = BitConverter.ToUInt32(buffer[GidOffset..]);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}
