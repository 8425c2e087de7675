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
    private readonly Channel<ControlMessage> _outbox = Channel.CreateUnbounded<ControlMessage>(
        new UnboundedChannelOptions { SingleReader = true });

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

    // Last message time, kept in memory on every message; written to the database at most every
    // ActivityWriteInterval so heartbeats from a large fleet do not turn into a stream of writes.
    private static readonly long ActivityWriteIntervalMs = 30_000;
    private long _lastActivityMs;
    private long _activityWrittenMs;

    public DateTimeOffset LastActivity => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _lastActivityMs));

    /// <summary>Records activity; true when it is time to persist it.</summary>
    public bool Touch(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        Interlocked.Exchange(ref _lastActivityMs, ms);
        if (ms - _activityWrittenMs < ActivityWriteIntervalMs)
        {
            return false;
        }

        _activityWrittenMs = ms;
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
        _closed.Cancel();
    }

    public void Dispose() => _closed.Dispose();
}
