namespace Argy.Agent.Isolation;

/// <summary>A mode worked out for this host: the sandbox to use, or why there cannot be one.</summary>
/// <param name="Mode">The mode this plan is for.</param>
/// <param name="Sandbox">Null when <paramref name="Problem"/> says why the mode cannot work here.</param>
/// <param name="Problem">What is missing, and what to do about it.</param>
/// <param name="Notes">Worth knowing, not fatal (e.g. jobs run as the agent's user because it is not root).</param>
internal sealed record IsolationPlan(IsolationMode Mode, JobSandbox? Sandbox, string? Problem, IReadOnlyList<string> Notes)
{
    public static IsolationPlan Unavailable(IsolationMode mode, string problem) => new(mode, null, problem, []);
}
