using System.Globalization;
using System.Text;

namespace Argy.Agent.Isolation;

/// <summary>
/// The command line of one sandbox. Only the layout goes on it: a process's command line is readable by every
/// user of the host, so the job's environment (its secrets) goes through stdin instead (<see cref="EnvironmentPayload"/>).
/// </summary>
internal static class BubblewrapArguments
{
    public const string ShellPath = "/bin/sh";

    /// <summary>env's option that resets every signal to its default disposition before the job starts.</summary>
    public const string SignalDefaults = "--default-signal";

    /// <summary>bwrap reads its extra arguments from stdin and closes it; this gives the job an empty stdin back.</summary>
    public const string ReopenStdin = "exec \"$@\" </dev/null";

    public static List<string> Build(BubblewrapSetup setup, JobLaunch launch, IReadOnlyList<string> hiddenDirectories, IReadOnlyList<string> hiddenFiles)
    {
        var arguments = new List<string>();
        if (setup.DropPrivilegesWith is { } setpriv)
        {
            // Drop the real uid before any namespace exists: a root-started bwrap --uid 1001 only looks like 1001.
            arguments.AddRange([
                setpriv,
                string.Create(CultureInfo.InvariantCulture, $"--reuid={setup.User.Uid}"),
                string.Create(CultureInfo.InvariantCulture, $"--regid={setup.User.Gid}"),
                "--clear-groups",
                "--no-new-privs",
                "--",
            ]);
        }

        arguments.AddRange([setup.Bubblewrap, "--args", "0", "--unshare-user"]);
        if (setup.CanDisableUserNamespaces)
        {
            arguments.Add("--disable-userns");
        }

        arguments.AddRange([
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session",
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
        ]);

        // Parents before children: a tmpfs mounted later would cover what was mounted beneath it.
        foreach (var directory in hiddenDirectories.Append("/tmp").OrderBy(Depth).ThenBy(path => path, StringComparer.Ordinal))
        {
            arguments.AddRange(["--tmpfs", directory]);
        }

        foreach (var file in MaskedFiles(hiddenDirectories, hiddenFiles))
        {
            // nodev: opening it fails, so the file is neither readable nor writable.
            arguments.AddRange(["--ro-bind", "/dev/null", file]);
        }

        arguments.AddRange(["--bind", launch.Workspace, launch.Workspace]);

        // Read-only only now, after bwrap has created the mount points below them (e.g. the workspace).
        foreach (var directory in hiddenDirectories)
        {
            arguments.AddRange(["--remount-ro", directory]);
        }

        arguments.AddRange(["--chdir", launch.Workspace, "--", setup.Env, SignalDefaults, ShellPath, "-c", ReopenStdin, "argy-job", launch.Program]);
        arguments.AddRange(launch.Arguments);
        return arguments;
    }

    /// <summary>NUL-separated arguments for <c>--args 0</c>: a clean environment with exactly the job's variables.</summary>
    public static byte[] EnvironmentPayload(IReadOnlyDictionary<string, string> environment)
    {
        var payload = new StringBuilder("--clearenv\0");
        foreach (var (name, value) in environment)
        {
            payload.Append("--setenv\0").Append(name).Append('\0').Append(value).Append('\0');
        }

        return Encoding.UTF8.GetBytes(payload.ToString());
    }

    /// <summary>The hidden files that need a mount of their own: those in a hidden directory or /tmp are gone already.</summary>
    public static List<string> MaskedFiles(IReadOnlyList<string> hiddenDirectories, IReadOnlyList<string> hiddenFiles) =>
        hiddenFiles.Where(file => !hiddenDirectories.Append("/tmp").Any(directory => IsUnder(file, directory))).ToList();

    public static bool IsUnder(string path, string directory) =>
        path.StartsWith(directory.EndsWith('/') ? directory : directory + "/", StringComparison.Ordinal);

    private static int Depth(string path) => path.Count(c => c == '/');
}
