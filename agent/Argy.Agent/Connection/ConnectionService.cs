using Argy.Agent.Cli;
using Argy.Agent.Hosting;
using Argy.Agent.Jobs;
using Argy.Agent.Outbound;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Connection;

/// <summary>
/// Keeps a session with the control plane open for as long as the agent runs, reconnecting with backoff,
/// and on shutdown drains jobs and flushes their results before closing the stream.
/// </summary>
internal sealed partial class ConnectionService(
    AgentSession session,
    AgentCredentialSource credentials,
    OutboundQueue outbound,
    JobDrainer drainer,
    ReconnectBackoff backoff,
    AgentExitCode exitCode,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ConnectionService> logger) : IHostedService, IDisposable
{
    /// <summary>How long the agent keeps trying to deliver queued results after its jobs have ended.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => ConnectLoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (exitCode.IsSet)
            {
                // The credential is gone: nothing can be reported any more, so do not make jobs wait.
                await drainer.StopAllAsync("the agent's credential was rejected", cancellationToken);
            }
            else
            {
                LogDraining();
                await drainer.DrainAsync("shutting down", cancellationToken);
            }

            outbound.Complete();

            // Worth waiting for: an open session that flushes and closes cleanly, or results still to deliver
            // (the loop keeps reconnecting for them). A lone Draining for a control plane we cannot reach is not.
            if (session.IsEstablished || outbound.HasPendingResults)
            {
                await _loop.WaitAsync(FlushTimeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (!_loop.IsCompleted && outbound.Count > 0)
            {
                LogUnflushed(outbound.Count);
            }
        }
        finally
        {
            await _stop.CancelAsync();
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested && !outbound.IsDrained)
        {
            LogConnecting();
            await credentials.RefreshAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var started = time.GetTimestamp();
            var result = await session.RunAsync(stop);
            var lasted = time.GetElapsedTime(started);

            switch (result.Outcome)
            {
                case SessionOutcome.Closed:
                    LogClosed(result.Detail);
                    return;
                case SessionOutcome.ReconnectNow:
                    // Not a failure: the control plane asked for the rotated credential, which is on disk already.
                    LogReauthenticating(result.Detail);
                    failures = 0;
                    continue;
                case SessionOutcome.Revoked:
                    Fail(ExitCodes.CredentialRejected, "this agent was revoked", result);
                    return;
                case SessionOutcome.Unauthenticated:
                    Fail(ExitCodes.CredentialRejected, "the control plane does not accept this agent's credential; enroll again", result);
                    return;
                case SessionOutcome.Superseded:
                    Fail(ExitCodes.Superseded, "another process connected as this agent and took over", result);
                    return;
            }

            if (outbound.IsDrained)
            {
                return;
            }

            failures = result.Established && lasted >= ReconnectBackoff.StableSession ? 1 : failures + 1;
            var delay = backoff.DelayFor(failures);
            Observability.AgentMetrics.Reconnects.Inc();
            if (ReconnectBackoff.IsWorthAWarning(failures))
            {
                LogReconnectWarning(result.Detail, failures, delay);
            }
            else
            {
                LogReconnectQuiet(result.Detail, failures, delay);
            }

            try
            {
                await Task.Delay(delay, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Fail(int code, string why, SessionResult result)
    {
        LogFatal(why, result.Detail, code);
        exitCode.Set(code);
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting to the control plane")]
    private partial void LogConnecting();

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnecting at once with the current credential ({Detail})")]
    private partial void LogReauthenticating(string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session closed: {Detail}")]
    private partial void LogClosed(string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session with the control plane ended ({Detail}); attempt {Failure}, reconnecting in {Delay}")]
    private partial void LogReconnectWarning(string detail, int failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session with the control plane ended ({Detail}); attempt {Failure}, reconnecting in {Delay}")]
    private partial void LogReconnectQuiet(string detail, int failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping, not reconnecting: {Why} ({Detail}); exit code {ExitCode}")]
    private partial void LogFatal(string why, string detail, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: no new jobs, finishing running ones")]
    private partial void LogDraining();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped with {Count} message(s) not delivered to the control plane")]
    private partial void LogUnflushed(int count);
}
