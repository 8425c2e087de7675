using System.CommandLine;
using System.CommandLine.Parsing;

namespace Argy.Cli.Common;

internal sealed class GlobalOptions
{
    public const string UrlVariable = "ARGY_URL";
    public const string TokenVariable = "ARGY_TOKEN";

    public Option<Uri?> Url { get; } = new("--url")
    {
        Description = $"Control plane base URL (default: ${UrlVariable})",
        HelpName = "url",
        Recursive = true,
        CustomParser = ParseUrl,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"API token sent as a bearer token (default: ${TokenVariable})",
        HelpName = "token",
        Recursive = true,
    };

    public ConnectionSettings Resolve(ParseResult parseResult, Func<string, string?> getEnvironmentVariable)
    {
        var url = parseResult.GetValue(Url) ?? UrlFromEnvironment(getEnvironmentVariable)
            ?? throw new UsageException($"no control plane URL: pass --url or set {UrlVariable}");

        var token = parseResult.GetValue(Token);
        if (string.IsNullOrEmpty(token))
        {
            token = getEnvironmentVariable(TokenVariable);
        }

        return new ConnectionSettings(url, string.IsNullOrEmpty(token) ? null : token);
    }

    private static Uri? UrlFromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        var text = getEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return TryParseBaseUrl(text, out var url)
            ? url
            : throw new UsageException($"{UrlVariable} is not an absolute http(s) URL: '{text}'");
    }

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParseBaseUrl(text, out var url))
        {
            return url;
        }

        result.AddError($"--url must be an absolute http(s) URL, got '{text}'");
        return null;
    }

    internal static bool TryParseBaseUrl(string text, out Uri url)
    {
        url = null!;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        // A trailing slash keeps a path prefix (https://host/argy/) when API paths are resolved against it.
        url = parsed.AbsolutePath.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
        return true;
    }
}
