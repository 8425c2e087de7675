namespace Argy.Agent.Connection;

internal enum SessionOutcome
{
    /// <summary>The session broke or the control plane asked us to come back later.</summary>
    Reconnect,

    /// <summary>The credential the session used expired after a rotation: reconnect at once with the current one.</summary>
    ReconnectNow,

    /// <summary>The agent closed the session itself (shutdown).</summary>
    Closed,

    /// <summary>The credential was revoked (Goodbye REVOKED or PERMISSION_DENIED).</summary>
    Revoked,

    /// <summary>The credential is unknown or wrong (UNAUTHENTICATED).</summary>
    Unauthenticated,

    /// <summary>Another session with the same agent id took over.</summary>
    Superseded,
}

/// <param name="Outcome">What to do next.</param>
/// <param name="Established">Whether Welcome was received, i.e. the session was real rather than a failed attempt.</param>
/// <param name="Detail">Why, for the log.</param>
internal sealed record SessionResult(SessionOutcome Outcome, bool Established, string Detail);
