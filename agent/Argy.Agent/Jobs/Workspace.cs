namespace Argy.Agent.Jobs;

/// <summary>The per-run directory <c>&lt;workRoot&gt;/&lt;runId&gt;</c>, created empty and removed afterwards.</summary>
internal static class Workspace
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

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

    public static string Create(string workRoot, string runId)
    {
        var path = PathFor(workRoot, runId);
        try
        {
            Directory.CreateDirectory(Path.GetFullPath(workRoot));

            // Left over from an earlier attempt of the same run (e.g. the agent died): start clean.
            if (Directory.Exists(path))
            {
                Delete(path);
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, OwnerOnly);
            }

            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JobSetupException($"cannot create workspace {path}: {ex.Message}", ex);
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
        catch (Exception ex) when (!OperatingSystem.IsWindows() && ex is UnauthorizedAccessException or IOException)
        {
            MakeOwnerWritable(path);
            Directory.Delete(path, recursive: true);
        }
    }

    private static void MakeOwnerWritable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | OwnerOnly);
        foreach (var directory in Directory.EnumerateDirectories(path, "*", options))
        {
            File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | OwnerOnly);
        }
    }
}
