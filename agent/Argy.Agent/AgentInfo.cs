using System.Reflection;
using System.Runtime.InteropServices;

// Jobs run under bubblewrap and setpriv, with Unix file modes and signals: the agent is a Linux program.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Argy.Agent;

/// <summary>What the agent says about itself at enrollment and in Hello.</summary>
internal static class AgentInfo
{
    public const string ExecutableName = "argy-agent";

    public static string Version { get; } = ReadVersion();

    public static string Os { get; } =
        OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsMacOS() ? "darwin"
        : RuntimeInformation.OSDescription;

    public static string Arch { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x64",
        Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

    public static string Hostname => Environment.MachineName;

    private static string ReadVersion()
    {
        var informational = typeof(AgentInfo).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(AgentInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        // The SDK appends "+<commit>" to the informational version; the protocol wants plain semver.
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
