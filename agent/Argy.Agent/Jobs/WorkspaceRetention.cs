namespace Argy.Agent.Jobs;

/// <summary>
/// Failed runs' workspaces kept for debugging in <c>&lt;workRoot&gt;/.failed/&lt;runId&gt;</c> (the dot keeps the
/// name out of the run id alphabet), within an age and a total size limit.
/// </summary>
internal static class WorkspaceRetention
{
    public const string KeptDirectoryName = ".failed";

    public static string KeptRoot(string workRoot) => Path.Combine(Path.GetFullPath(workRoot), KeptDirectoryName);

    /// <summary>Moves the workspace aside and stamps it with the time it was kept; returns where it is now.</summary>
    public static string Keep(string workRoot, string runId, string workspace, DateTimeOffset now)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("jobs need Unix file modes and ownership");
        }

        var keptRoot = KeptRoot(workRoot);
        Directory.CreateDirectory(keptRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var kept = Path.Combine(keptRoot, runId);
        Workspace.Delete(kept);
        Directory.Move(workspace, kept);
        Directory.SetLastWriteTimeUtc(kept, now.UtcDateTime);
        return kept;
    }

    /// <summary>Deletes kept workspaces older than <paramref name="maxAge"/>, then the oldest until the rest fit in <paramref name="maxBytes"/>.</summary>
    /// <returns>The paths deleted.</returns>
    public static IReadOnlyList<string> Prune(string workRoot, TimeSpan maxAge, long maxBytes, DateTimeOffset now)
    {
        var keptRoot = KeptRoot(workRoot);
        if (!Directory.Exists(keptRoot))
        {
            return [];
        }

        var deleted = new List<string>();
        var kept = new DirectoryInfo(keptRoot).EnumerateDirectories()
            .Select(directory => (Path: directory.FullName, Kept: directory.LastWriteTimeUtc, Bytes: SizeOf(directory)))
            .OrderByDescending(entry => entry.Kept)
            .ToList();
        long total = 0;
        foreach (var (path, keptAt, bytes) in kept)
        {
            total += bytes;
            if (now.UtcDateTime - keptAt > maxAge || total > maxBytes)
            {
                Workspace.Delete(path);
                deleted.Add(path);
                total -= bytes;
            }
        }

        return deleted;
    }

    private static long SizeOf(DirectoryInfo directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        return directory.EnumerateFiles("*", options).Sum(file => file.Length);
    }
}
