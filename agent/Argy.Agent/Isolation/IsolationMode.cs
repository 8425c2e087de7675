namespace Argy.Agent.Isolation;

/// <summary>How jobs are kept apart from the agent, the host and each other.</summary>
internal enum IsolationMode
{
    /// <summary>
    /// Each job in a bubblewrap sandbox as the job user: read-only host, only its own workspace and a private
    /// /tmp writable, the agent's files hidden, its own PID namespace.
    /// </summary>
    Bubblewrap,

    /// <summary>A plain child process with the agent's own user and view of the host. For development only.</summary>
    None,
}
