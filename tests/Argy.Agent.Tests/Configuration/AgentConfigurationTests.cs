using Argy.Agent.Configuration;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Tests.Configuration;

public sealed class AgentConfigurationTests
{
    private static AgentOptions Load(Dictionary<string, string?> overrides) =>
        ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));

    [Fact]
    public void Defaults_apply_when_nothing_is_configured()
    {
        var options = Load([]);

        options.StateDirectory.Should().Be("/var/lib/argy-agent");
        options.WorkRoot.Should().Be("/work");
        options.Capacity.Should().Be(1);
        options.DefaultJobTimeout.Should().Be(TimeSpan.FromHours(1));
        options.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.Tags.Should().BeEmpty();
    }

    [Fact]
    public void Environment_variables_with_the_argy_prefix_set_agent_options()
    {
        const string variable = "ARGY_AGENT__DEFAULTJOBTIMEOUT";
        Environment.SetEnvironmentVariable(variable, "00:05:00");
        try
        {
            Load([]).DefaultJobTimeout.Should().Be(TimeSpan.FromMinutes(5));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Comma_separated_tags_are_split_trimmed_and_deduplicated()
    {
        Load(new() { ["Agent:Tags"] = " linux, docker ,,linux" }).Tags.Should().Equal("linux", "docker");
    }

    [Fact]
    public void Tags_given_as_a_list_are_accepted_too()
    {
        Load(new() { ["Agent:Tags:0"] = "linux", ["Agent:Tags:1"] = "arm" }).Tags.Should().Equal("linux", "arm");
    }

    [Fact]
    public void Invalid_settings_are_all_reported_at_once()
    {
        var load = () => Load(new()
        {
            ["Agent:WorkRoot"] = "relative/work",
            ["Agent:Capacity"] = "0",
            ["Agent:DefaultJobTimeout"] = "00:00:00",
        });

        load.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(3);
    }
}
