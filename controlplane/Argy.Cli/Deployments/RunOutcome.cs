using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

/// <summary>How a finished run maps onto this process's exit code and its last line on stderr.</summary>
internal sealed record RunOutcome(int ExitCode, string Summary)
{
    public static RunOutcome Of(Deployment run)
    {
        var id = run.RunId;
        return run.Status switch
        {
            RunStatus.Succeeded => new(ExitCodes.Success, $"run {id} succeeded in {Durations.Format(Elapsed(run))}"),
            RunStatus.Failed => new(
                run.ExitCode is >= 1 and <= 255 ? run.ExitCode.Value : ExitCodes.Failure,
                $"run {id} failed: {run.Message ?? (run.ExitCode is { } code ? $"exited with code {code}" : "no exit code")}"),
            RunStatus.TimedOut => new(ExitCodes.TimedOut, $"run {id} timed out" + Reason(run)),
            RunStatus.Cancelled => new(ExitCodes.Interrupted, $"run {id} was cancelled" + Reason(run)),
            RunStatus.Rejected => new(ExitCodes.Rejected,
                $"run {id} was rejected by {run.Approval?.DecidedBy ?? "an approver"}" + (run.Approval?.Comment is { Length: > 0 } why ? $": {why}" : "")),
            _ => new(ExitCodes.Failure, $"run {id} is still {run.Status}"),
        };
    }

    private static string Reason(Deployment run) => run.Message is { Length: > 0 } message ? $": {message}" : "";

    private static TimeSpan Elapsed(Deployment run) =>
        run.FinishedAt is { } end && (run.StartedAt ?? run.CreatedAt) is { } start ? end - start : TimeSpan.Zero;
}
