using Argy.Agent.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Isolation;

/// <summary>
/// Settles job isolation before the connection starts, so an agent whose sandbox cannot work stops with a
/// configuration error (exit code 78) instead of connecting and failing every job it is given.
/// </summary>
internal sealed class IsolationCheck(JobIsolation isolation) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await isolation.SandboxAsync().WaitAsync(cancellationToken);
        }
        catch (IsolationUnavailableException ex)
        {
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions), [ex.Message]);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
