using System.Text.RegularExpressions;
using Argy.Agent.Isolation;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Configuration;

internal sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public const int MaxCapacity = 64;
    public const long MinJobLogBytes = 64 * 1024;
    public const int MaxId = 65534;
    public static readonly TimeSpan MaxJobStopGracePeriod = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();

        RequireAbsolute(failures, "Agent:StateDirectory", options.StateDirectory);
        RequireAbsolute(failures, "Agent:WorkRoot", options.WorkRoot);
        if (options.WorkRoot is "/" or "\\")
        {
            failures.Add("Agent:WorkRoot must not be the file system root, workspaces are deleted after each run");
        }

        if (options.MetricsAddress is { Length: > 0 } metrics && !System.Net.IPEndPoint.TryParse(metrics, out _))
        {
            failures.Add($"Agent:MetricsAddress '{metrics}' is not an address:port such as 127.0.0.1:9464.");
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

        ValidateJobs(failures, options);
        ValidateIsolation(failures, options.Isolation);

        foreach (var tag in options.Tags.Where(tag => !TagPattern().IsMatch(tag)))
        {
            failures.Add($"Agent:Tags entry '{tag}' is not a valid tag (letters, digits, '-', '_', '.', ':', '/', '=', at most 64)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateJobs(List<string> failures, AgentOptions options)
    {
        if (options.JobStopGracePeriod < TimeSpan.Zero || options.JobStopGracePeriod > MaxJobStopGracePeriod)
        {
            failures.Add($"Agent:JobStopGracePeriod must be between 0 and {MaxJobStopGracePeriod.TotalSeconds:0} seconds");
        }

        if (options.MaxJobLogBytes < MinJobLogBytes)
        {
            failures.Add($"Agent:MaxJobLogBytes must be at least {MinJobLogBytes} (was {options.MaxJobLogBytes})");
        }

        if (options.KeptWorkspacesMaxAge <= TimeSpan.Zero)
        {
            failures.Add("Agent:KeptWorkspacesMaxAge must be positive");
        }

        if (options.KeptWorkspacesMaxBytes < 0)
        {
            failures.Add("Agent:KeptWorkspacesMaxBytes must not be negative");
        }
    }

    private static void ValidateIsolation(List<string> failures, IsolationOptions isolation)
    {
        if (!Enum.IsDefined(isolation.Mode))
        {
            failures.Add($"Agent:Isolation:Mode must be one of {string.Join(", ", Enum.GetNames<IsolationMode>())}");
        }

        // Root in a sandbox is still root on the kernel's attack surface and on every file the sandbox shows.
        if (isolation.JobUid is < 1 or > MaxId)
        {
            failures.Add($"Agent:Isolation:JobUid must be between 1 and {MaxId}: jobs never run as root (was {isolation.JobUid})");
        }

        if (isolation.JobGid is < 1 or > MaxId)
        {
            failures.Add($"Agent:Isolation:JobGid must be between 1 and {MaxId}: jobs never run as root (was {isolation.JobGid})");
        }

        if (string.IsNullOrWhiteSpace(isolation.BubblewrapPath))
        {
            failures.Add("Agent:Isolation:BubblewrapPath is required");
        }

        if (string.IsNullOrWhiteSpace(isolation.SetprivPath))
        {
            failures.Add("Agent:Isolation:SetprivPath is required");
        }

        foreach (var path in isolation.HiddenPaths)
        {
            RequireAbsolute(failures, "Agent:Isolation:HiddenPaths entry", path);
        }
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
