using Argy.Agent.Isolation;

namespace Argy.Agent.Jobs;

/// <summary>The per-run directory <c>&lt;workRoot&gt;/&lt;runId&gt;</c>, created empty and removed afterwards.</summary>
internal static class Workspace
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // The job user must pass through the work root to its workspace, but nobody needs to list which runs exist.
    private const UnixFileMode WorkRootMode = OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static string PathFor(string workRoot, string runId)
    {
        if (!RunId.IsValid(runId))
        {
            throw new JobSetupException($"invalid run id '{runId}'");
        }

        var root = Path.GetFullPath(workRoot);
        var path = Path.GetFullPath(Path.Join(root, runId));

        // The alphabet check already rules out "..", this keeps the guarantee if that check ever changes.
        if (!string.Equals(Path.GetDirectoryName(path), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new JobSetupException($"run id '{runId}' escapes the work root");
        }

        return path;
    }

    /// <summary>Creates the run's workspace empty, mode 0700, owned by the user the job runs as.</summary>
    public static string Create(string workRoot, string runId, JobUser owner)
    {
        var path = PathFor(workRoot, runId);
        try
        {
            CreateAt(workRoot, path, owner);
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JobSetupException($"cannot create workspace {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Creates <paramref name="path"/>, a directory in the work root, empty, 0700 and owned by <paramref name="owner"/>.</summary>
    public static void CreateAt(string workRoot, string path, JobUser owner)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("jobs need Unix file modes and ownership");
        }

        Directory.CreateDirectory(Path.GetFullPath(workRoot), WorkRootMode);

        // Left over from an earlier attempt of the same run (e.g. the agent died): start clean.
        Delete(path);
        Directory.CreateDirectory(path, OwnerOnly);
        if (owner != Native.CurrentUser)
        {
            Native.ChangeOwner(path, owner);
        }
    }

    /// <summary>Removes the workspace even when the job left read-only directories behind.</summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            MakeOwnerWritable(path);
            Directory.Delete(path, recursive: true);
        }
    }

    private static void MakeOwnerWritable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("jobs need Unix file modes and ownership");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | OwnerOnly);
        foreach (var directory in Directory.EnumerateDirectories(path, "*", options))
        {
            File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | OwnerOnly);
        }
    }
}
