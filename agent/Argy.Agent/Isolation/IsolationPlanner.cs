using System.Diagnostics;
using System.Text.RegularExpressions;
using Argy.Agent.Configuration;

namespace Argy.Agent.Isolation;

/// <summary>Works out what a mode needs on this host (tools, privileges) and builds its sandbox.</summary>
internal static partial class IsolationPlanner
{
    private static readonly Version DisableUserNamespacesSince = new(0, 8);

    public static async Task<IsolationPlan> PlanAsync(AgentOptions options, IsolationMode mode, CancellationToken cancellationToken)
    {
        var agent = Native.CurrentUser;
        if (mode == IsolationMode.None)
        {
            return new IsolationPlan(mode, new UnisolatedSandbox(agent), null, []);
        }

        var isolation = options.Isolation;
        if (SystemTools.Locate(isolation.BubblewrapPath) is not { } bubblewrap)
        {
            return IsolationPlan.Unavailable(mode,
                $"bubblewrap is not installed ({NotFound(isolation.BubblewrapPath)}); install the 'bubblewrap' package");
        }

        if (SystemTools.Locate("env") is not { } env)
        {
            return IsolationPlan.Unavailable(mode, $"env is not installed ({NotFound("env")}); install the 'coreutils' package");
        }

        var notes = new List<string>();
        string? setpriv = null;
        JobUser user;
        if (agent.IsRoot)
        {
            setpriv = SystemTools.Locate(isolation.SetprivPath);
            if (setpriv is null)
            {
                return IsolationPlan.Unavailable(mode,
                    $"setpriv, which drops root for each job, is not installed ({NotFound(isolation.SetprivPath)}); install the 'util-linux' package");
            }

            user = new JobUser((uint)isolation.JobUid, (uint)isolation.JobGid);
        }
        else
        {
            user = agent;
            if (agent.Uid != isolation.JobUid)
            {
                notes.Add($"the agent is not root, so jobs run as its own user ({agent}) rather than Agent:Isolation:JobUid {isolation.JobUid}");
            }
        }

        var (version, versionProblem) = await VersionOfAsync(bubblewrap, cancellationToken);
        if (versionProblem is not null)
        {
            return IsolationPlan.Unavailable(mode, versionProblem);
        }

        var canDisableUserNamespaces = ParseVersion(version) >= DisableUserNamespacesSince;
        if (!canDisableUserNamespaces)
        {
            notes.Add($"{version} is older than 0.8: jobs can create user namespaces of their own");
        }

        var setup = new BubblewrapSetup(bubblewrap, version, canDisableUserNamespaces, setpriv, env, user, HiddenPaths.For(options));
        return new IsolationPlan(mode, new BubblewrapSandbox(setup), null, notes);
    }

    private static async Task<(string Version, string? Problem)> VersionOfAsync(string bubblewrap, CancellationToken cancellationToken)
    {
        try
        {
            var info = new ProcessStartInfo(bubblewrap, "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0
                ? ((await output).Trim(), null)
                : ("", $"'{bubblewrap} --version' failed: {(await error).Trim()}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ("", $"cannot run {bubblewrap}: {ex.Message}");
        }
    }

    private static string NotFound(string program) =>
        program.Contains('/', StringComparison.Ordinal) ? $"no executable {program}" : $"no {program} in {SystemTools.SearchPath}";

    private static Version ParseVersion(string text) =>
        VersionPattern().Match(text) is { Success: true } match ? Version.Parse(match.Value) : new Version(0, 0);

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?")]
    private static partial Regex VersionPattern();
}
