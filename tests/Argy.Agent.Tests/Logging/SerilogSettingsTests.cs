using Argy.Agent.Logging;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Argy.Agent.Tests.Logging;

/// <summary>The "Serilog" keys the agent honoured through Serilog.Settings.Configuration keep their meaning.</summary>
public sealed class SerilogSettingsTests
{
    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private static (Logger Logger, Collector Events) Logger(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var collector = new Collector();
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .FromConfiguration(configuration)
            .WriteTo.Sink(collector)
            .CreateLogger();
        return (logger, collector);
    }

    private static IEnumerable<string> Messages(Collector collector) => collector.Events.Select(e => e.MessageTemplate.Text);

    [Fact]
    public void MinimumLevel_Default_sets_the_level_in_any_case()
    {
        var (logger, events) = Logger(("Serilog:MinimumLevel:Default", "warning"));

        logger.Information("info");
        logger.Warning("warning");

        Messages(events).Should().Equal("warning");
    }

    [Fact]
    public void MinimumLevel_as_a_single_value_sets_the_level()
    {
        var (logger, events) = Logger(("Serilog:MinimumLevel", "Debug"));

        logger.Verbose("verbose");
        logger.Debug("debug");

        Messages(events).Should().Equal("debug");
    }

    [Fact]
    public void Without_settings_the_defaults_in_code_apply()
    {
        var (logger, events) = Logger();

        logger.Debug("debug");
        logger.Information("info");
        logger.ForContext(Constants.SourceContextPropertyName, "Grpc.Net.Client.Internal.GrpcCall").Information("grpc info");

        Messages(events).Should().Equal("info");
    }

    [Fact]
    public void Overrides_set_the_level_of_a_source_and_win_over_the_defaults_in_code()
    {
        var (logger, events) = Logger(
            ("Serilog:MinimumLevel:Default", "Warning"),
            ("Serilog:MinimumLevel:Override:Grpc", "Debug"),
            ("Serilog:MinimumLevel:Override:Argy.Agent.Jobs", "Error"));

        logger.ForContext(Constants.SourceContextPropertyName, "Grpc.Net.Client.Internal.GrpcCall").Debug("grpc debug");
        logger.ForContext(Constants.SourceContextPropertyName, "Argy.Agent.Jobs.JobRunner").Warning("jobs warning");
        logger.ForContext(Constants.SourceContextPropertyName, "Argy.Agent.Connection.ConnectionService").Warning("connection warning");

        Messages(events).Should().Equal("grpc debug", "connection warning");
    }

    [Fact]
    public void Properties_are_added_to_every_event()
    {
        var (logger, events) = Logger(("Serilog:Properties:Site", "eu-1"));

        logger.Information("info");

        events.Events.Single().Properties["Site"].ToString().Should().Be("\"eu-1\"");
    }

    [Fact]
    public void A_level_that_is_not_one_names_the_key()
    {
        var act = () => Logger(("Serilog:MinimumLevel:Override:Grpc", "Loud"));

        act.Should().Throw<InvalidOperationException>().WithMessage("*Serilog:MinimumLevel:Override:Grpc*'Loud'*");
    }

    [Fact]
    public void Keys_the_agent_does_not_act_on_are_listed_but_Using_is_not()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:Using:0"] = "Serilog.Sinks.Console",
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:WriteTo:0:Name"] = "Seq",
            ["Serilog:Enrich:0"] = "FromLogContext",
        }).Build();

        SerilogSettings.IgnoredKeys(configuration).Should().Equal("Serilog:Enrich", "Serilog:WriteTo");
    }
}
