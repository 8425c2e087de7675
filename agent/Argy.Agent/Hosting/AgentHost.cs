using Argy.Agent.Configuration;
using Argy.Agent.Connection;
using Argy.Agent.Jobs;
using Argy.Agent.Logging;
using Argy.Agent.Observability;
using Argy.Agent.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Hosting;

/// <summary>The long-running host behind <c>argy-agent run</c>.</summary>
internal static class AgentHost
{
    /// <summary>Beyond the jobs' own shutdown timeout: time to kill what is left and deliver the results.</summary>
    public static readonly TimeSpan ShutdownOverhead = JobDrainer.CancelGrace + ConnectionService.FlushTimeout + TimeSpan.FromSeconds(2);

    public static IHost Build(ConfigurationManager configuration, AgentState state, TimeProvider? time = null)
    {
        // Defaults off: configuration sources are exactly those of AgentConfiguration, nothing unprefixed.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Configuration = configuration,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = AgentInfo.ExecutableName,
        });

        builder.Services.AddSystemd();
        builder.Services.AddAgentLogging(builder.Configuration);
        builder.Services.AddAgentOptions(builder.Configuration);
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<AgentOptions>>((host, agent) => host.ShutdownTimeout = agent.Value.ShutdownTimeout + ShutdownOverhead);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton<AgentExitCode>();
        builder.Services.AddJobs();
        builder.Services.AddConnection();
        builder.Services.AddAgentMetrics();
        return builder.Build();
    }
}
