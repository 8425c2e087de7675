namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A test that needs root, as in CI: only a root agent runs jobs as the job user (uid 1001). Elsewhere it is
/// reported as skipped, with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (as in CI): only an agent running as root runs jobs as uid 1001; run the tests as root to cover this";
        }
    }
}
