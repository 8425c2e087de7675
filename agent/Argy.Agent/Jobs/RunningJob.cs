namespace Argy.Agent.Jobs;

/// <summary>A run on this agent, from its assignment until the runner is done with it.</summary>
internal sealed class RunningJob(string runId)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string RunId { get; } = runId;

    public JobCancellation Cancellation { get; } = new();

    public Task Ended => _ended.Task;

    /// <summary>The process is gone, so the run no longer counts against capacity. Guarded by the registry's lock.</summary>
    internal bool SlotReleased { get; set; }

    /// <summary>Its JobFinished was already acknowledged. Guarded by the registry's lock.</summary>
    internal bool Reported { get; set; }

    public void MarkEnded() => _ended.TrySetResult();
}
