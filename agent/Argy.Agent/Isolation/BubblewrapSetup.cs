namespace Argy.Agent.Isolation;

/// <summary>What the bubblewrap mode found on this host and decided to use.</summary>
/// <param name="Bubblewrap">Full path of bwrap.</param>
/// <param name="Version">As <c>bwrap --version</c> printed it.</param>
/// <param name="CanDisableUserNamespaces">bwrap 0.8 or later: jobs cannot create user namespaces of their own.</param>
/// <param name="DropPrivilegesWith">setpriv's full path when the agent is root and switches to the job user; null when it runs as itself.</param>
/// <param name="Env">coreutils env, which gives the job default signal dispositions (the agent ignores SIGPIPE, and ignored signals are inherited).</param>
/// <param name="User">Who the job runs as.</param>
/// <param name="HiddenPaths">The agent's files and directories jobs must not see.</param>
internal sealed record BubblewrapSetup(
    string Bubblewrap,
    string Version,
    bool CanDisableUserNamespaces,
    string? DropPrivilegesWith,
    string Env,
    JobUser User,
    IReadOnlyList<string> HiddenPaths);
