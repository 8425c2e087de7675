using System.Collections.Concurrent;

namespace Argy.ControlPlane.Deployments;

/// <summary>
/// Wakes log followers when a run gets new output or ends. A follower takes the wait task before it reads, so a
/// signal that lands between its read and its wait is never missed.
/// </summary>
public sealed class RunSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public Task NextChange(string runId) =>
        _waiters.GetOrAdd(runId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Changed(string runId)
    {
        if (_waiters.TryRemove(runId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
