using System.Diagnostics;
using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Jobs;

namespace Argy.Agent.Isolation;

/// <summary>What running a probe job in a sandbox showed.</summary>
/// <param name="Passed">The checks that held, as sentences.</param>
/// <param name="Failures">The checks that did not, or why the probe could not run; empty when it works.</param>
/// <param name="Elapsed">From asking for the process until it exited: what the sandbox adds to every job's start.</param>
internal sealed record ProbeResult(IReadOnlyList<string> Passed, IReadOnlyList<string> Failures, TimeSpan Elapsed)
{
    public bool Works => Failures.Count == 0;
}

/// <summary>
/// Runs a tiny job through a sandbox, exactly as a real one would be started, and checks from inside what the
/// mode promises: the job user, no_new_privs, its own PID namespace, a read-only host, the agent's files hidden.
/// </summary>
internal static class IsolationProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    // Prints "key value" lines; the arguments are "d:<dir>" or "f:<file>" the job must not see into.
    private const string Script = """
        echo "uid $(id -u)"
        echo "gid $(id -g)"
        echo "groups $(id -G)"
        echo "nnp $(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)"
        echo "ignored $(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status)"
        echo "pid $$"
        root=
        while read -r _ _ _ _ point options _; do [ "$point" = / ] && root=${options%%,*}; done < /proc/self/mountinfo
        echo "root $root"
        touch ./probe && echo "workspace writable"
        touch /tmp/probe && echo "tmp writable"
        for entry in "$@"; do
          path=${entry#?:}
          case "$entry" in
            d:*) echo "entries $(ls -A "$path" 2>/dev/null | wc -l) $path" ;;
            f:*) if cat "$path" >/dev/null 2>&1; then echo "readable $path"; fi ;;
          esac
        done
        """;

    public static async Task<ProbeResult> RunAsync(JobSandbox sandbox, AgentOptions options, CancellationToken cancellationToken)
    {
        var workRoot = Path.GetFullPath(options.WorkRoot);
        var workspace = Path.Combine(workRoot, $".probe-{Guid.NewGuid():N}");
        var hidden = sandbox is BubblewrapSandbox bubblewrap ? bubblewrap.Setup.HiddenPaths : [];
        var started = Stopwatch.GetTimestamp();
        try
        {
            Workspace.CreateAt(workRoot, workspace, sandbox.User);

            // Only now: creating the workspace may have created the work root.
            var arguments = new List<string> { "-c", Script, "argy-probe" };
            arguments.AddRange(hidden.Where(Directory.Exists).Select(path => "d:" + path));
            arguments.AddRange(hidden.Where(File.Exists).Select(path => "f:" + path));
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = SystemTools.SearchPath, ["HOME"] = workspace, ["TMPDIR"] = "/tmp", ["LANG"] = "C.UTF-8",
            };
            var (exitCode, output, error) = await RunAsync(sandbox, new JobLaunch("/bin/sh", arguments, workspace, environment), cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (exitCode != 0)
            {
                var hint = error.Contains(workspace, StringComparison.Ordinal) && error.Contains("Permission denied", StringComparison.Ordinal)
                    ? $" (every directory above {workRoot} must be searchable by {sandbox.User}, e.g. chmod o+x)"
                    : "";
                return Failed($"a sandboxed /bin/sh exited with code {exitCode}: {OneLine(error)}{hint}", elapsed);
            }

            var directories = hidden.Where(Directory.Exists).ToList();
            var files = BubblewrapArguments.MaskedFiles(directories, hidden.Where(File.Exists).ToList());
            var (passed, failures) = sandbox.Mode == IsolationMode.Bubblewrap
                ? Check(Parse(output), sandbox.User, [.. directories, .. files, workspace], files)
                : (new List<string> { "jobs start (without any isolation)" }, new List<string>());
            return new ProbeResult(passed, failures, elapsed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            return Failed(ex.Message, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            try
            {
                Workspace.Delete(workspace);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A probe directory left behind is harmless; the run id alphabet has no dots.
            }
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        JobSandbox sandbox, JobLaunch launch, CancellationToken cancellationToken)
    {
        using var process = await sandbox.StartAsync(launch);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var stdout = new StreamReader(process.StandardOutput);
            using var stderr = new StreamReader(process.StandardError);
            var output = stdout.ReadToEndAsync(timeout.Token);
            var error = stderr.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output, await error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await process.KillAsync();
            throw new TimeoutException($"a sandboxed /bin/sh did not finish within {Timeout.TotalSeconds:0} s");
        }
    }

    private static (List<string> Passed, List<string> Failures) Check(
        Dictionary<string, List<string>> facts, JobUser user, IReadOnlyList<string> mounted, IReadOnlyList<string> files)
    {
        var passed = new List<string>();
        var failures = new List<string>();
        void Expect(bool condition, string ok, string failure) => (condition ? passed : failures).Add(condition ? ok : failure);
        string Fact(string key) => facts.TryGetValue(key, out var values) ? values[0] : "(missing)";

        var uid = user.Uid.ToString(CultureInfo.InvariantCulture);
        var gid = user.Gid.ToString(CultureInfo.InvariantCulture);
        Expect(Fact("uid") == uid && Fact("gid") == gid && Fact("groups") == gid,
            $"runs as {user} without supplementary groups",
            $"runs as uid {Fact("uid")}, gid {Fact("gid")}, groups {Fact("groups")} instead of {user}");
        Expect(Fact("nnp") == "1", "no_new_privs is set", "no_new_privs is not set");
        Expect(Fact("ignored").Trim('0').Length == 0, "starts with default signal handling", $"starts with signals ignored (mask {Fact("ignored")})");
        Expect(int.TryParse(Fact("pid"), CultureInfo.InvariantCulture, out var pid) && pid <= 2,
            "has its own PID namespace", $"shares the host's PID namespace (pid {Fact("pid")})");
        Expect(Fact("root") == "ro", "sees the host file system read-only", $"sees / mounted '{Fact("root")}', not read-only");
        Expect(facts.ContainsKey("workspace") && facts.ContainsKey("tmp"),
            "can write its workspace and /tmp", "cannot write its workspace or /tmp");

        foreach (var entry in facts.GetValueOrDefault("entries") ?? [])
        {
            var parts = entry.Split(' ', 2);
            var (count, path) = (parts[0], parts[1]);

            // A hidden directory still shows the way to what is mounted inside it, such as the workspace in the work root.
            var expected = mounted.Where(other => BubblewrapArguments.IsUnder(other, path))
                .Select(other => other[(path.Length + 1)..].Split('/')[0])
                .Distinct(StringComparer.Ordinal)
                .Count()
                .ToString(CultureInfo.InvariantCulture);
            Expect(count == expected,
                expected == "0" ? $"cannot see into {path}" : $"sees only its own workspace in {path}",
                $"can see into {path} ({count} entries)");
        }

        var readable = facts.GetValueOrDefault("readable") ?? [];
        foreach (var file in files)
        {
            Expect(!readable.Contains(file), $"cannot read {file}", $"can read {file}");
        }

        return (passed, failures);
    }

    private static Dictionary<string, List<string>> Parse(string output)
    {
        var facts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 2);
            if (!facts.TryGetValue(parts[0], out var values))
            {
                facts[parts[0]] = values = [];
            }

            values.Add(parts.Length > 1 ? parts[1] : "");
        }

        return facts;
    }

    private static ProbeResult Failed(string reason, TimeSpan elapsed) => new([], [reason], elapsed);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) is { Length: > 0 } line
            ? line
            : "(no output)";
}
