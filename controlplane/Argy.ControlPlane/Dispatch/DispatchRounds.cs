namespace Argy.ControlPlane.Dispatch;

/// <summary>
/// Coalesces dispatch requests for one tenant: one caller runs rounds, the others only ask for another round.
/// A request that arrives while a round runs is never lost: the runner goes round again before it stops.
/// </summary>
internal sealed class DispatchRounds
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int RunningAndRequested = 2;

    private int _state;

    /// <summary>True when the caller is to run rounds; false when a running round was asked for another.</summary>
    public bool Enter()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Idle when Interlocked.CompareExchange(ref _state, Running, Idle) == Idle:
                    return true;
                case Running when Interlocked.CompareExchange(ref _state, RunningAndRequested, Running) == Running:
                    return false;
                case RunningAndRequested:
                    return false;
            }
        }
    }

    /// <summary>After a round: true when another was requested meanwhile (and is now owed), false when idle again.</summary>
    public bool Again()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running)
        {
            return false;
        }

        Volatile.Write(ref _state, Running);
        return true;
    }

    /// <summary>A round failed: the runner stops; the next request starts afresh.</summary>
    public void Abandon() => Volatile.Write(ref _state, Idle);
}
