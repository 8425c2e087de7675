using System.Globalization;
using Argy.Agent.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Systemd;
using Serilog;
using Serilog.Events;

namespace Argy.Agent.Logging;

internal static class LoggingServiceCollectionExtensions
{
    private const string TerminalTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    // journald stamps each line itself; the prefix carries the level.
    private const string JournalTemplate =
        "<{" + SyslogPriorityEnricher.PropertyName + "}>{SourceContext}: {Message:lj}{NewLine}{Exception}";

    private const string FileTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static IServiceCollection AddAgentLogging(this IServiceCollection services, IConfiguration configuration)
    {
        var logDirectory = configuration[AgentConfiguration.Key(nameof(AgentOptions.LogDirectory))];
        var underSystemd = SystemdHelpers.IsSystemdService();

        services.AddSerilog(logger =>
        {
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                // The "Serilog" section (levels, overrides, properties), read by code: see SerilogSettings.
                .FromConfiguration(configuration)
                .Enrich.FromLogContext()
                .Enrich.With<SyslogPriorityEnricher>()
                .WriteTo.Console(
                    outputTemplate: underSystemd ? JournalTemplate : TerminalTemplate,
                    formatProvider: CultureInfo.InvariantCulture);

            if (!string.IsNullOrWhiteSpace(logDirectory))
            {
                logger.WriteTo.File(
                    Path.Combine(logDirectory, "argy-agent-.log"),
                    outputTemplate: FileTemplate,
                    formatProvider: CultureInfo.InvariantCulture,
                    rollingInterval: RollingInterval.Day,
                    fileSizeLimitBytes: 64L * 1024 * 1024,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: 14);
            }
        });
        services.AddHostedService<IgnoredSerilogSettings>();
        return services;
    }
}
