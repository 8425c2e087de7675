using Microsoft.Extensions.Configuration;

namespace Argy.Agent.Configuration;

/// <summary>
/// One place that decides where settings come from, so every command sees the same values:
/// appsettings.json beside the binary, then ARGY_* environment variables, then command-line flags.
/// </summary>
internal static class AgentConfiguration
{
    public const string EnvironmentPrefix = "ARGY_";

    public static ConfigurationManager Build(IReadOnlyDictionary<string, string?> flagOverrides)
    {
        var configuration = new ConfigurationManager();
        configuration.SetBasePath(AppContext.BaseDirectory);
        configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(flagOverrides);
        return configuration;
    }

    public static string Key(string option) => $"{AgentOptions.SectionName}:{option}";
}
