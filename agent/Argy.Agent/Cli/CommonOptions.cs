using System.CommandLine;
using System.CommandLine.Parsing;
using Argy.Agent.Configuration;

namespace Argy.Agent.Cli;

internal static class CommonOptions
{
    public static Option<string> StateDirectory() => new("--state-dir")
    {
        Description = "Directory holding agent.json (default: Agent:StateDirectory, /var/lib/argy-agent)",
        HelpName = "DIR",
    };

    public static Option<Uri> HttpUrl(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "URL",
        Required = true,
        CustomParser = ParseHttpUrl,
    };

    /// <summary>Flags win over environment and appsettings.json; relative paths are taken from the current directory.</summary>
    public static void AddPath(Dictionary<string, string?> overrides, ParseResult parseResult, Option<string> option, string key)
    {
        if (parseResult.GetValue(option) is { Length: > 0 } path)
        {
            overrides[AgentConfiguration.Key(key)] = Path.GetFullPath(path);
        }
    }

    private static Uri? ParseHttpUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        result.AddError($"'{text}' is not an http:// or https:// URL");
        return null;
    }
}
