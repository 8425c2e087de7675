namespace Argy.Agent.Isolation;

/// <summary>One job process to start: what it runs, where, and with exactly which environment.</summary>
internal sealed record JobLaunch(
    string Program,
    IReadOnlyList<string> Arguments,
    string Workspace,
    IReadOnlyDictionary<string, string> Environment);
