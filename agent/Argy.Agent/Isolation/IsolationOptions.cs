namespace Argy.Agent.Isolation;

/// <summary>The <c>Agent:Isolation</c> configuration section.</summary>
internal sealed class IsolationOptions
{
    public IsolationMode Mode { get; set; } = IsolationMode.Bubblewrap;

    /// <summary>
    /// When the configured mode cannot work on this host, run jobs without isolation instead of refusing to
    /// start. Off by default: an agent that silently stops isolating jobs is worse than one that does not start.
    /// </summary>
    public bool AllowFallback { get; set; }

    /// <summary>The uid jobs run as when the agent runs as root.</summary>
    public int JobUid { get; set; } = 1001;

    /// <summary>The gid jobs run as when the agent runs as root.</summary>
    public int JobGid { get; set; } = 1001;

    /// <summary>The bubblewrap program; a bare name is looked up on the jobs' safe PATH.</summary>
    public string BubblewrapPath { get; set; } = "bwrap";

    /// <summary>util-linux setpriv, which drops to the job user before the sandbox is built.</summary>
    public string SetprivPath { get; set; } = "setpriv";

    /// <summary>More files or directories to hide from jobs, beyond the agent's own (state, config, logs, work root).</summary>
    public List<string> HiddenPaths { get; set; } = [];
}
