using Argy.Agent.Configuration;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Jobs;

internal enum ReserveResult
{
    Reserved,
    AlreadyKnown,
    NoFreeSlot,
    Draining,
}

/// <summary>
/// Which runs this agent holds: the running ones (each takes a slot) and the ended ones whose JobFinished the
/// control plane has not acknowledged yet. Both count as "running" in Hello so the control plane reconciles
/// them instead of dispatching them again.
/// </summary>
internal sealed class JobRegistry(IOptions<AgentOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RunningJob> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreported = new(StringComparer.Ordinal);
    private int _slotsInUse;
    private bool _draining;

    public int Capacity => options.Value.Capacity;

    public int RunningCount
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    public bool IsDraining
    {
        get
        {
            lock (_lock)
            {
                return _draining;
            }
        }
    }

    public ReserveResult TryReserve(string runId, out RunningJob? job)
    {
        lock (_lock)
        {
            job = null;
            if (_running.ContainsKey(runId) || _unreported.Contains(runId))
            {
                return ReserveResult.AlreadyKnown;
            }

            if (_draining)
            {
                return ReserveResult.Draining;
            }

            if (_slotsInUse >= Capacity)
            {
                return ReserveResult.NoFreeSlot;
            }

            job = new RunningJob(runId);
            _running.Add(runId, job);
            _slotsInUse++;
            return ReserveResult.Reserved;
        }
    }

    /// <summary>
    /// Frees the job's slot before its JobFinished is queued: the control plane may assign the next job the
    /// moment it reads that message, and that job must find the slot free.
    /// </summary>
    public void ReleaseSlot(RunningJob job)
    {
        lock (_lock)
        {
            if (!job.SlotReleased)
            {
                job.SlotReleased = true;
                _slotsInUse--;
            }
        }
    }

    /// <summary>The runner is done; the run stays known until its JobFinished is acknowledged.</summary>
    public void Release(RunningJob job)
    {
        ReleaseSlot(job);
        lock (_lock)
        {
            if (_running.Remove(job.RunId) && !job.Reported)
            {
                _unreported.Add(job.RunId);
            }
        }

        job.MarkEnded();
    }

    /// <summary>Runs whose result a previous run of the agent spooled but never got acknowledged.</summary>
    public void AddUnreported(IEnumerable<string> runIds)
    {
        lock (_lock)
        {
            _unreported.UnionWith(runIds);
        }
    }

    public void MarkReported(string runId)
    {
        lock (_lock)
        {
            if (_running.TryGetValue(runId, out var job))
            {
                job.Reported = true;
            }

            _unreported.Remove(runId);
        }
    }

    public bool TryGet(string runId, out RunningJob? job)
    {
        lock (_lock)
        {
            return _running.TryGetValue(runId, out job);
        }
    }

    public IReadOnlyList<RunningJob> Running()
    {
        lock (_lock)
        {
            return [.. _running.Values];
        }
    }

    public IReadOnlyList<string> ActiveRunIds()
    {
        lock (_lock)
        {
            return [.. _running.Keys.Concat(_unreported).Order(StringComparer.Ordinal)];
        }
    }

    public void BeginDraining()
    {
        lock (_lock)
        {
            _draining = true;
        }
    }

    /// <summary>Completes when every job running at the time of the call has ended.</summary>
    public Task WhenAllEndedAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Running().Select(job => job.Ended)).WaitAsync(cancellationToken);
}
