using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Argy.Agent.Logging;

/// <summary>
/// The <c>Serilog</c> configuration section, read by code: Serilog.Settings.Configuration finds sinks and
/// enrichers by reflection, which the agent's NativeAOT executable cannot do. The keys it honoured for the agent
/// keep their meaning:
/// <list type="bullet">
/// <item><c>Serilog:MinimumLevel</c> (a level) or <c>Serilog:MinimumLevel:Default</c>;</item>
/// <item><c>Serilog:MinimumLevel:Override:&lt;source&gt;</c>, e.g. <c>Override:Grpc = Information</c>;</item>
/// <item><c>Serilog:Properties:&lt;name&gt;</c>, a property added to every event.</item>
/// </list>
/// <c>Serilog:Using</c> is accepted and ignored (it only named assemblies to scan). The sinks are fixed (console,
/// plus a rolling file under <c>Agent:LogDirectory</c>); any other <c>Serilog</c> key (<c>WriteTo</c>,
/// <c>Enrich</c>, <c>Filter</c>, ...) is reported as ignored when the agent starts.
/// </summary>
internal static class SerilogSettings
{
    public const string SectionName = "Serilog";

    private static readonly string[] Understood = ["MinimumLevel", "Properties", "Using"];

    public static LoggerConfiguration FromConfiguration(this LoggerConfiguration logger, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var minimum = section.GetSection("MinimumLevel");
        if (minimum.Value is { } scalar)
        {
            logger.MinimumLevel.Is(ParseLevel(minimum.Path, scalar));
        }
        else if (minimum["Default"] is { } level)
        {
            logger.MinimumLevel.Is(ParseLevel(minimum.Path + ":Default", level));
        }

        foreach (var source in minimum.GetSection("Override").GetChildren())
        {
            if (source.Value is { } level)
            {
                logger.MinimumLevel.Override(source.Key, ParseLevel(source.Path, level));
            }
        }

        foreach (var property in section.GetSection("Properties").GetChildren())
        {
            if (property.Value is { } value)
            {
                logger.Enrich.WithProperty(property.Key, value);
            }
        }

        return logger;
    }

    /// <summary>Keys of the section the agent does not act on, e.g. <c>Serilog:WriteTo</c>.</summary>
    public static IReadOnlyList<string> IgnoredKeys(IConfiguration configuration) =>
        configuration.GetSection(SectionName).GetChildren()
            .Where(child => !Understood.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            .Select(child => child.Path)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>A level name as Serilog.Settings.Configuration took it: any case, e.g. <c>warning</c>.</summary>
    public static LogEventLevel ParseLevel(string key, string value) =>
        Enum.TryParse<LogEventLevel>(value.Trim(), ignoreCase: true, out var level) && Enum.IsDefined(level)
            ? level
            : throw new InvalidOperationException(
                $"{key}: '{value}' is not a log level (Verbose, Debug, Information, Warning, Error or Fatal)");
}

/// <summary>Says once at start-up which <c>Serilog</c> keys the agent ignores, rather than ignoring them silently.</summary>
internal sealed partial class IgnoredSerilogSettings(IConfiguration configuration, ILogger<IgnoredSerilogSettings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var ignored = SerilogSettings.IgnoredKeys(configuration);
        if (ignored.Count > 0)
        {
            LogIgnored(string.Join(", ", ignored));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Ignoring configuration {Keys}: the agent logs to the console and Agent:LogDirectory; of Serilog's settings it reads MinimumLevel (Default, Override) and Properties")]
    private partial void LogIgnored(string keys);
}
