using System.Text.RegularExpressions;

namespace Argy.Agent.Jobs;

/// <summary>A run id names a directory under the work root, so only a safe alphabet is accepted.</summary>
internal static partial class RunId
{
    public static bool IsValid(string? runId) => runId is not null && Pattern().IsMatch(runId);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}
