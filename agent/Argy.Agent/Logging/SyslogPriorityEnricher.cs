using Serilog.Core;
using Serilog.Events;

namespace Argy.Agent.Logging;

/// <summary>
/// Adds the syslog priority journald reads from a "&lt;N&gt;" line prefix, so `journalctl -p warning` works
/// for the agent's plain-text output.
/// </summary>
internal sealed class SyslogPriorityEnricher : ILogEventEnricher
{
    public const string PropertyName = "SyslogPriority";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var priority = logEvent.Level switch
        {
            LogEventLevel.Fatal => 2,
            LogEventLevel.Error => 3,
            LogEventLevel.Warning => 4,
            LogEventLevel.Information => 6,
            _ => 7,
        };
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(PropertyName, priority));
    }
}
