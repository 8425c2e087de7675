using System.Globalization;

namespace Argy.Agent.Isolation;

/// <summary>
/// Parent/child links of every process, read from /proc. Orphans inside a PID namespace are reparented to its
/// init, so the descendants of a sandbox's init are every process of the job, however they were started.
/// </summary>
internal sealed class ProcessTable
{
    private readonly Dictionary<int, List<int>> _children;

    private ProcessTable(Dictionary<int, List<int>> children) => _children = children;

    public static ProcessTable Read()
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ParentOf(directory) is not { } parent)
            {
                continue;
            }

            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(pid);
        }

        return new ProcessTable(children);
    }

    public IReadOnlyList<int> ChildrenOf(int pid) => _children.TryGetValue(pid, out var list) ? list : [];

    public IReadOnlyList<int> DescendantsOf(int pid)
    {
        var result = new List<int>();
        var pending = new Stack<int>(ChildrenOf(pid));
        while (pending.TryPop(out var next))
        {
            result.Add(next);
            foreach (var child in ChildrenOf(next))
            {
                pending.Push(child);
            }
        }

        return result;
    }

    // /proc/<pid>/stat is "pid (comm) state ppid ...", and comm may itself contain spaces and parentheses.
    private static int? ParentOf(string directory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return fields.Length >= 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                ? parent
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended while the table was being read.
            return null;
        }
    }
}
