using Argy.Agent.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Isolation;

/// <summary>
/// Decides, once at start, how this agent's jobs are isolated: the configured mode if a probe job shows it
/// works here, no isolation if that was configured or explicitly allowed as a fallback, otherwise nothing.
/// </summary>
internal sealed partial class IsolationSelector(IOptions<AgentOptions> options, ILogger<IsolationSelector> logger)
{
    public async Task<JobSandbox> SelectAsync(CancellationToken cancellationToken)
    {
        var isolation = options.Value.Isolation;
        var (sandbox, problem) = await TryAsync(isolation.Mode, cancellationToken);
        if (sandbox is not null)
        {
            return sandbox;
        }

        if (isolation.Mode == IsolationMode.None || !isolation.AllowFallback)
        {
            LogUnavailable(isolation.Mode, problem!);
            throw new IsolationUnavailableException(
                $"job isolation '{isolation.Mode}' (Agent:Isolation:Mode) does not work on this host: {problem}. " +
                "Fix it (see 'argy-agent doctor'), or set Agent:Isolation:AllowFallback=true to run jobs without isolation");
        }

        LogFallingBack(isolation.Mode, problem!);
        (sandbox, problem) = await TryAsync(IsolationMode.None, cancellationToken);
        return sandbox ?? throw new IsolationUnavailableException($"jobs cannot be started on this host: {problem}");
    }

    private async Task<(JobSandbox? Sandbox, string? Problem)> TryAsync(IsolationMode mode, CancellationToken cancellationToken)
    {
        var plan = await IsolationPlanner.PlanAsync(options.Value, mode, cancellationToken);
        if (plan.Sandbox is null)
        {
            return (null, plan.Problem);
        }

        var probe = await IsolationProbe.RunAsync(plan.Sandbox, options.Value, cancellationToken);
        if (!probe.Works)
        {
            return (null, string.Join("; ", probe.Failures));
        }

        foreach (var note in plan.Notes)
        {
            LogNote(note);
        }

        if (mode == IsolationMode.None)
        {
            LogNoIsolation(plan.Sandbox.Description);
        }
        else
        {
            LogIsolation(mode, plan.Sandbox.Description, probe.Elapsed.TotalMilliseconds);
        }

        return (plan.Sandbox, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job isolation: {Mode}, {Description}; a probe job took {Milliseconds:0.0} ms")]
    private partial void LogIsolation(IsolationMode mode, string description, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job isolation: {Note}")]
    private partial void LogNote(string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "JOBS ARE NOT ISOLATED (Agent:Isolation:Mode=None): {Description}. Use this only on a development machine")]
    private partial void LogNoIsolation(string description);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Job isolation {Mode} is configured but does not work on this host: {Problem}. No jobs will run; 'argy-agent doctor' shows the details")]
    private partial void LogUnavailable(IsolationMode mode, string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Job isolation {Mode} does not work on this host: {Problem}. FALLING BACK TO NO ISOLATION because Agent:Isolation:AllowFallback is set")]
    private partial void LogFallingBack(IsolationMode mode, string problem);
}
