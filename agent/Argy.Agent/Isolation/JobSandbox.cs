namespace Argy.Agent.Isolation;

/// <summary>Starts job processes with one isolation mode.</summary>
internal abstract class JobSandbox
{
    public abstract IsolationMode Mode { get; }

    /// <summary>Who the job's processes run as, and so who must own its workspace.</summary>
    public abstract JobUser User { get; }

    /// <summary>What a job gets, in a few words, for the start-up log and <c>argy-agent doctor</c>.</summary>
    public abstract string Description { get; }

    public abstract Task<JobProcess> StartAsync(JobLaunch launch);
}
