using Argy.Agent.Isolation;

namespace Argy.Agent.Tests.Support;

/// <summary>
/// A test that needs root, as in CI: only root can run a job as another user. Elsewhere it is reported as
/// skipped, with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Native.CurrentUser.IsRoot)
        {
            Skip = "needs root (as in CI): only root can run jobs as the job user; run the tests as root to cover this";
        }
    }
}
