using System.Threading.Channels;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Dispatch;

/// <summary>
/// One connected agent: its routing facts and the outbox of its stream. Anything may queue a message
/// (dispatch, cancellation, revocation); a single writer loop drains the outbox, because a gRPC stream must
/// never be written concurrently.
/// </summary>
public sealed class AgentSession(TenantScope scope, string agentId, string name, IReadOnlySet<string> tags, int capacity) : IDisposable
{
    // Never full in practice (nothing is dropped); bounded only because that channel grows its buffer from empty,
    // where the unbounded ones start with a 32-slot segment per session, idle most of the time in a large fleet.
    private readonly Channel<ControlMessage> _outbox = Channel.CreateBounded<ControlMessage>(
        new BoundedChannelOptions(int.MaxValue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _closed = new();

    public TenantScope Scope { get; } = scope;

    public string AgentId { get; } = agentId;

    public string Name { get; } = name;

    public IReadOnlySet<string> Tags { get; } = tags;

    public int Capacity { get; } = capacity;

    /// <summary>Runs assigned to or running on this agent. Guarded by the dispatcher's tenant lock.</summary>
    internal HashSet<string> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs this agent declined in this session: not offered to it again.</summary>
    internal HashSet<string> Declined { get; } = new(StringComparer.Ordinal);

    // Last message time, kept in memory on every message (one interlocked store). Liveness is judged from it by
    // one sweep over all sessions, and it reaches the database in batches (see Gateway.SessionMonitor), so a
    // heartbeat costs neither a timer reset nor a write.
    private long _lastActivityMs;
    private long _persistedActivityMs;
    private int _silent;

    public DateTimeOffset LastActivity => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _lastActivityMs));

    /// <summary>Records activity (a message arrived).</summary>
    public void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastActivityMs, now.ToUnixTimeMilliseconds());

    /// <summary>The activity time stored with the agent's row when the session opened (its Hello).</summary>
    internal void ActivityPersisted(DateTimeOffset at) => Interlocked.Exchange(ref _persistedActivityMs, at.ToUnixTimeMilliseconds());

    /// <summary>
    /// The last activity not yet written to the database, marked as written; false when there is none. Called by
    /// the single presence writer only.
    /// </summary>
    internal bool TryTakeUnpersistedActivity(out long activityMs)
    {
        activityMs = Interlocked.Read(ref _lastActivityMs);
        if (activityMs <= Interlocked.Read(ref _persistedActivityMs))
        {
            return false;
        }

        Interlocked.Exchange(ref _persistedActivityMs, activityMs);
        return true;
    }

    /// <summary>Whether the control plane ended the session because the agent sent nothing for too long.</summary>
    public bool FellSilent => Volatile.Read(ref _silent) == 1;

    /// <summary>
    /// Ends the session of an agent that sent nothing since <paramref name="cutoff"/>: true when it did so. A session
    /// the control plane already said goodbye to is left to finish that.
    /// </summary>
    internal bool ExpireIfSilentSince(DateTimeOffset cutoff)
    {
        if (Interlocked.Read(ref _lastActivityMs) > cutoff.ToUnixTimeMilliseconds() || ClosedWith is not null
            || Interlocked.CompareExchange(ref _silent, 1, 0) != 0)
        {
            return false;
        }

        Abort();
        return true;
    }

    /// <summary>Set when the agent said it is draining: it gets no new work.</summary>
    internal bool Draining { get; set; }

    /// <summary>Why the session was closed by the control plane, if it was.</summary>
    public Goodbye? ClosedWith { get; private set; }

    public ChannelReader<ControlMessage> Outbox => _outbox.Reader;

    public CancellationToken Closed => _closed.Token;

    internal bool HasFreeSlot => !Draining && Runs.Count < Capacity;

    internal bool CanRun(IReadOnlyList<string> requiredTags)
    {
        foreach (var tag in requiredTags)
        {
            if (!Tags.Contains(tag))
            {
                return false;
            }
        }

        return true;
    }

    public bool Send(ControlMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>Ends the session: the goodbye is the last message written, then the call ends.</summary>
    public void Close(Goodbye goodbye)
    {
        if (ClosedWith is not null)
        {
            return;
        }

        ClosedWith = goodbye;
        _outbox.Writer.TryWrite(new ControlMessage { Goodbye = goodbye });
        _outbox.Writer.TryComplete();
    }

    /// <summary>Stops the session's loops once the goodbye has been flushed (or could not be).</summary>
    internal void Abort()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over: the stream's end disposed the session while a sweep or the call's end was aborting it.
        }
    }

    public void Dispose() => _closed.Dispose();
}
