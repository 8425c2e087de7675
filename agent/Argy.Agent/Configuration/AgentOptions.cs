using Argy.Agent.Isolation;

namespace Argy.Agent.Configuration;

/// <summary>The <c>Agent</c> configuration section.</summary>
internal sealed class AgentOptions
{
    public const string SectionName = "Agent";

    public string StateDirectory { get; set; } = "/var/lib/argy-agent";

    public string WorkRoot { get; set; } = "/work";

    public int Capacity { get; set; } = 1;

    public List<string> Tags { get; set; } = [];

    public TimeSpan DefaultJobTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long running jobs may keep going after SIGTERM before they are cancelled.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When set (e.g. 127.0.0.1:9464), Prometheus metrics are served at http://&lt;address&gt;/metrics.</summary>
    public string? MetricsAddress { get; set; }

    /// <summary>When set, logs also go to a rolling file in this directory.</summary>
    public string? LogDirectory { get; set; }

    /// <summary>How jobs are kept apart from the agent, the host and each other (<c>Agent:Isolation</c>).</summary>
    public IsolationOptions Isolation { get; set; } = new();

    /// <summary>A job stopped by its timeout or a cancel gets SIGTERM, then SIGKILL after this long.</summary>
    public TimeSpan JobStopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Output a run may send; beyond it the rest is dropped after a truncation line on the system stream.</summary>
    public long MaxJobLogBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Leave the workspaces of failed and timed-out runs in <c>&lt;WorkRoot&gt;/.failed/</c> for debugging.</summary>
    public bool KeepFailedWorkspaces { get; set; }

    /// <summary>Kept workspaces older than this are deleted.</summary>
    public TimeSpan KeptWorkspacesMaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Kept workspaces beyond this total size are deleted, oldest first.</summary>
    public long KeptWorkspacesMaxBytes { get; set; } = 1024L * 1024 * 1024;
}
