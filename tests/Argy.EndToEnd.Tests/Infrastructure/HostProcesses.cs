using System.Globalization;
using System.Text;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The host's process table, seen from outside the job's sandbox. A job's processes are found by a variable in
/// their environment: pids printed inside the sandbox belong to its own PID namespace and mean nothing here.
/// </summary>
public static class HostProcesses
{
    /// <summary>Live (not zombie) processes whose environment holds <paramref name="name"/>=<paramref name="value"/>.</summary>
    public static IReadOnlyList<int> WithVariable(string name, string value)
    {
        var needle = Encoding.UTF8.GetBytes($"{name}={value}\0");
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                if (!stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')
                    && File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>The variable names in a process's environment.</summary>
    public static IReadOnlyList<string> VariablesOf(int pid) =>
        Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/environ"))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2)[0])
            .ToList();
}
