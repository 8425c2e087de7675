namespace Argy.Cli.Deployments;

internal static class RunStatus
{
    public const string PendingApproval = "PendingApproval";
    public const string Queued = "Queued";
    public const string Assigned = "Assigned";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";
    public const string TimedOut = "TimedOut";
    public const string Rejected = "Rejected";

    public static readonly string[] All = [PendingApproval, Queued, Assigned, Running, Succeeded, Failed, Cancelled, TimedOut, Rejected];

    /// <summary>"running" on the command line becomes "Running" on the wire.</summary>
    public static string? Canonical(string? status) =>
        status is null ? null : All.FirstOrDefault(s => s.Equals(status, StringComparison.OrdinalIgnoreCase)) ?? status;

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled or TimedOut or Rejected;
}
