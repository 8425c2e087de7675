namespace Argy.Agent.Isolation;

/// <summary>Finds the helper programs isolation needs (bwrap, setpriv, setsid) on a fixed system PATH, never the agent's.</summary>
internal static class SystemTools
{
    public const string SearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The full path of <paramref name="program"/>, or null when it is not installed.</summary>
    public static string? Locate(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? Path.GetFullPath(program) : null;
        }

        return SearchPath.Split(':')
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows()
        && File.Exists(path)
        && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
