namespace Argy.Agent.Isolation;

/// <summary>The sandbox every job of this agent runs in, decided once (the first job or the start-up check, whichever comes first).</summary>
internal sealed class JobIsolation(Func<Task<JobSandbox>> select)
{
    private readonly Lazy<Task<JobSandbox>> _sandbox = new(select);

    public static JobIsolation Of(JobSandbox sandbox) => new(() => Task.FromResult(sandbox));

    /// <summary>Throws <see cref="IsolationUnavailableException"/> when jobs must not run at all.</summary>
    public Task<JobSandbox> SandboxAsync() => _sandbox.Value;
}
