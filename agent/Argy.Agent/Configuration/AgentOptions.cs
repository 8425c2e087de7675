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

    /// <summary>When set, logs also go to a rolling file in this directory.</summary>
    public string? LogDirectory { get; set; }
}
