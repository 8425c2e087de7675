namespace Argy.Agent.Jobs;

/// <summary>Lets the control plane (CancelJob) or a draining agent stop a job, and remembers why.</summary>
internal sealed class JobCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private string? _reason;
    private TimeSpan? _stopGrace;

    public CancellationToken Token => _source.Token;

    public bool IsCancellationRequested => _source.IsCancellationRequested;

    public string Reason => Volatile.Read(ref _reason) ?? "cancelled";

    /// <summary>Overrides Agent:JobStopGracePeriod, e.g. when the agent itself must stop within its own deadline.</summary>
    public TimeSpan? StopGrace => Volatile.Read(ref _reason) is null ? null : _stopGrace;

    public void Cancel(string reason, TimeSpan? stopGrace = null)
    {
        _stopGrace ??= stopGrace;
        Interlocked.CompareExchange(ref _reason, string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason, null);
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job already ended.
        }
    }

    public void Dispose() => _source.Dispose();
}
