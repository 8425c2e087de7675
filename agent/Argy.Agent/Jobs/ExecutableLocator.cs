namespace Argy.Agent.Jobs;

/// <summary>
/// Finds argv[0] on the job's PATH. The process launcher would search the agent's PATH instead, which is
/// not the environment the job runs in.
/// </summary>
internal static class ExecutableLocator
{
    public static string Locate(string program, string searchPath, string workingDirectory)
    {
        if (string.IsNullOrEmpty(program))
        {
            throw new JobSetupException("command has an empty program name");
        }

        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Path.GetFullPath(program, workingDirectory);
        }

        foreach (var directory in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(directory, workingDirectory), program);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return candidate;
            }
        }

        throw new JobSetupException($"command not found: {program}");
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows()
        || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
