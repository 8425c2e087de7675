using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Configuration;

internal sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public const int MaxCapacity = 64;

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();

        RequireAbsolute(failures, "Agent:StateDirectory", options.StateDirectory);
        RequireAbsolute(failures, "Agent:WorkRoot", options.WorkRoot);
        if (options.WorkRoot is "/" or "\\")
        {
            failures.Add("Agent:WorkRoot must not be the file system root, workspaces are deleted after each run");
        }

        if (options.LogDirectory is { Length: > 0 } logDirectory)
        {
            RequireAbsolute(failures, "Agent:LogDirectory", logDirectory);
        }

        if (options.Capacity is < 1 or > MaxCapacity)
        {
            failures.Add($"Agent:Capacity must be between 1 and {MaxCapacity} (was {options.Capacity})");
        }

        if (options.DefaultJobTimeout <= TimeSpan.Zero || options.DefaultJobTimeout > TimeSpan.FromDays(30))
        {
            failures.Add("Agent:DefaultJobTimeout must be positive and at most 30 days");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero || options.ShutdownTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("Agent:ShutdownTimeout must be between 0 and 1 hour");
        }

        foreach (var tag in options.Tags.Where(tag => !TagPattern().IsMatch(tag)))
        {
            failures.Add($"Agent:Tags entry '{tag}' is not a valid tag (letters, digits, '-', '_', '.', ':', '/', '=', at most 64)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequireAbsolute(List<string> failures, string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{key} is required");
        }
        else if (!Path.IsPathFullyQualified(path))
        {
            failures.Add($"{key} must be an absolute path (was '{path}')");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:/=-]{0,63}$")]
    private static partial Regex TagPattern();
}
