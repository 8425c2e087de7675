namespace Argy.Agent.Jobs;

/// <summary>A run that holds a slot on this agent.</summary>
internal sealed class RunningJob(string runId)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string RunId { get; } = runId;

    public JobCancellation Cancellation { get; } = new();

    public Task Ended => _ended.Task;

    public void MarkEnded() => _ended.TrySetResult();
}
