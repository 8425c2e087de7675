using System.Globalization;
using System.Text;

namespace Argy.Agent.Tests.Support;

/// <summary>
/// The host's process table, seen from outside any sandbox. A job's processes are found by a variable in their
/// environment: pids printed inside the sandbox belong to its own PID namespace and mean nothing here.
/// </summary>
internal static class HostProcesses
{
    public const string MarkerVariable = "ARGY_TEST_MARKER";

    public static string NewMarker() => Guid.NewGuid().ToString("N");

    /// <summary>Live (not zombie) processes whose environment has <c>ARGY_TEST_MARKER=marker</c>.</summary>
    public static IReadOnlyList<int> WithMarker(string marker)
    {
        var needle = Encoding.UTF8.GetBytes($"{MarkerVariable}={marker}\0");
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan().IndexOf(needle) >= 0 && !IsZombie(directory))
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

    /// <summary>Waits a little for killed processes to disappear; true when none is left.</summary>
    public static async Task<bool> NoneLeftAsync(string marker)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (WithMarker(marker).Count == 0)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Waits until the job's processes are up; the count is a positive control for <see cref="NoneLeftAsync"/>.</summary>
    public static async Task<IReadOnlyList<int>> WaitForAsync(string marker, int atLeast)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var found = WithMarker(marker);
            if (found.Count >= atLeast)
            {
                return found;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"fewer than {atLeast} processes with {MarkerVariable}={marker} appeared");
    }

    private static bool IsZombie(string directory)
    {
        var stat = File.ReadAllText(Path.Combine(directory, "stat"));
        return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }
}
