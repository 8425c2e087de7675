using System.Text;
using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>
/// One control plane and two real agents (run as this test's user: root in CI) for the isolation checks: what a
/// job submitted through the API can see and do, and what it leaves behind on the agent's host.
/// </summary>
public sealed class IsolationFixture : IAsyncLifetime
{
    private ControlPlane? _controlPlane;

    public ControlPlane ControlPlane => _controlPlane ?? throw new InvalidOperationException("Not started.");

    /// <summary>Default settings, two slots so that two jobs can run side by side.</summary>
    public Agent Agent { get; private set; } = null!;

    public string Tag { get; } = ControlPlaneFixture.UniqueTag();

    /// <summary>Keeps failed runs' workspaces.</summary>
    public Agent Keeping { get; private set; } = null!;

    public string KeepingTag { get; } = ControlPlaneFixture.UniqueTag();

    public async Task InitializeAsync()
    {
        _controlPlane = await ControlPlane.StartAsync();
        var agents = await Task.WhenAll(
            Agent.StartAsync(_controlPlane, [Tag], capacity: 2),
            Agent.StartAsync(_controlPlane, [KeepingTag], settings: new Dictionary<string, string?> { ["ARGY_AGENT__KEEPFAILEDWORKSPACES"] = "true" }));
        (Agent, Keeping) = (agents[0], agents[1]);
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        await Keeping.DisposeAsync();
        await ControlPlane.DisposeAsync();
    }
}

public sealed class IsolationTests(IsolationFixture fixture) : IClassFixture<IsolationFixture>
{
    private const string Marker = "E2E_PROCESS_MARKER";

    private Agent Agent => fixture.Agent;

    [RootFact]
    public async Task Job_runs_as_uid_1001_and_its_files_belong_to_1001_on_the_host()
    {
        var (run, log) = await RunAsync("id -u; id -g; grep NoNewPrivs /proc/self/status; echo evidence > owned.txt; exit 3", fixture.KeepingTag);

        ((string)run["status"]!).Should().Be("Failed");
        var kept = Path.Combine(fixture.Keeping.WorkRoot, ".failed", (string)run["runId"]!, "owned.txt");
        log.Should().Be($"1001\n1001\nNoNewPrivs:\t1\nargy-agent: workspace kept for debugging on the agent's host at {Path.GetDirectoryName(kept)}\n");
        (await File.ReadAllTextAsync(kept)).Should().Be("evidence\n", "a failed run's workspace is kept when configured");
        (await HostStatAsync(kept)).Should().Be("1001:1001");
    }

    [Fact]
    public async Task Job_writes_only_to_its_workspace_and_tmp()
    {
        var (run, log) = await RunAsync($$"""
            echo data > file && echo "workspace ok"
            echo data > /tmp/file && echo "tmp ok"
            for dir in /etc /usr '{{Agent.StateDirectory}}' '{{Agent.WorkRoot}}'; do
              if (echo x > "$dir/argy-escape") 2>/dev/null; then echo "wrote $dir"; else echo "refused $dir"; fi
            done
            """);

        ((string)run["status"]!).Should().Be("Succeeded");
        log.Should().Be($"""
            workspace ok
            tmp ok
            refused /etc
            refused /usr
            refused {Agent.StateDirectory}
            refused {Agent.WorkRoot}

            """);
        File.Exists(Path.Combine(Agent.StateDirectory, "argy-escape")).Should().BeFalse();
        File.Exists(Path.Combine(Agent.WorkRoot, "argy-escape")).Should().BeFalse();
    }

    [Fact]
    public async Task Job_cannot_read_the_agents_credential()
    {
        var credentialFile = Path.Combine(Agent.StateDirectory, "agent.json");
        var credential = (string)JsonNode.Parse(await File.ReadAllTextAsync(credentialFile))!["credential"]!;

        var (_, log) = await RunAsync($"ls -A '{Agent.StateDirectory}'; cat '{credentialFile}' 2>/dev/null || echo 'cannot read'");

        log.Should().Be("cannot read\n");
        log.Should().NotContain(credential);
    }

    [Fact]
    public async Task Job_cannot_list_or_read_a_concurrently_running_jobs_workspace()
    {
        using var api = fixture.ControlPlane.Api();
        var first = (string)(await api.SubmitAsync(Job("echo secret-of-the-first-run > mine.txt; echo ready; sleep 1000")))["runId"]!;
        var firstFile = Path.Combine(Agent.WorkRoot, first, "mine.txt");
        await Eventually.Until(() => Task.FromResult(File.Exists(firstFile)), exists => exists, TimeSpan.FromSeconds(20), "the first run to write its file");

        var (second, log) = await RunAsync($"""
            ls -A '{Agent.WorkRoot}'
            ls '{Agent.WorkRoot}/{first}' 2>/dev/null || echo "cannot list"
            cat '{firstFile}' 2>/dev/null || echo "cannot read"
            """);
        await CancelAsync(api, first);

        log.Should().Be($"{(string)second["runId"]!}\ncannot list\ncannot read\n");
        ((string)(await api.WaitForEndAsync(first, TimeSpan.FromSeconds(20)))["status"]!).Should().Be("Cancelled");
    }

    [Fact]
    public async Task Job_environment_holds_nothing_of_the_agents()
    {
        var (_, log) = await RunAsync("env");

        var names = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)[0]).ToList();
        names.Should().NotContain("ARGY_AGENT_TEST_MARKER");
        names.Should().BeSubsetOf(["PATH", "HOME", "TMPDIR", "LANG", "ARGY_RUN_ID", "ARGY_PRODUCT", "ARGY_WORKSPACE", "PWD", "SHLVL", "_", "OLDPWD"]);
        HostProcesses.VariablesOf(Agent.Process.Pid).Should().Contain("ARGY_AGENT_TEST_MARKER", "the agent itself has it");
    }

    [Fact]
    public async Task Secret_split_across_output_chunks_is_masked()
    {
        const string secret = "hunter2-correct-horse";
        var (run, log) = await RunAsync(
            "printf %s \"$DB_PASSWORD\" | head -c 7; sleep 0.3; printf '%s\\n' \"$DB_PASSWORD\" | tail -c +8; sleep 0.3; echo \"again $DB_PASSWORD\" >&2",
            secrets: new Dictionary<string, string> { ["DB_PASSWORD"] = secret });

        ((string)run["status"]!).Should().Be("Succeeded");
        // stdout and stderr are separate pipes: their relative order is only defined with a pause between them.
        log.Should().Be("***\nagain ***\n");
        log.Should().NotContain("hunter2");
    }

    [Fact]
    public async Task Cancelled_job_leaves_no_process_and_no_workspace_behind()
    {
        using var api = fixture.ControlPlane.Api();
        var marker = Guid.NewGuid().ToString("N");
        var runId = (string)(await api.SubmitAsync(Job("sleep 1000 & sleep 1000 & echo started; wait", env: new() { [Marker] = marker })))["runId"]!;
        await Eventually.Until(() => Task.FromResult(HostProcesses.WithVariable(Marker, marker).Count), count => count >= 3, TimeSpan.FromSeconds(20),
            "the job's shell and its two background sleeps");

        await CancelAsync(api, runId);
        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(20));

        ((string)ended["status"]!).Should().Be("Cancelled");
        HostProcesses.WithVariable(Marker, marker).Should().BeEmpty("the whole process tree is killed, background processes included");
        Directory.Exists(Path.Combine(Agent.WorkRoot, runId)).Should().BeFalse();
    }

    [Fact]
    public async Task Timed_out_job_leaves_no_process_and_no_workspace_behind()
    {
        var marker = Guid.NewGuid().ToString("N");

        var (run, log) = await RunAsync("sleep 1000 & echo started; wait", env: new() { [Marker] = marker }, timeoutSeconds: 1);

        ((string)run["status"]!).Should().Be("TimedOut");
        log.Should().StartWith("started\n").And.Contain("argy-agent: timed out after");
        HostProcesses.WithVariable(Marker, marker).Should().BeEmpty();
        Directory.Exists(Path.Combine(Agent.WorkRoot, (string)run["runId"]!)).Should().BeFalse();
    }

    [Fact]
    public async Task Jobs_die_with_an_agent_that_is_killed()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var doomed = await Agent.StartAsync(fixture.ControlPlane, [tag]);
        using var api = fixture.ControlPlane.Api();
        var marker = Guid.NewGuid().ToString("N");
        await api.SubmitAsync(Job("sleep 1000 & echo started; wait", env: new() { [Marker] = marker }, tag: tag));
        await Eventually.Until(() => Task.FromResult(HostProcesses.WithVariable(Marker, marker).Count), count => count >= 2, TimeSpan.FromSeconds(20),
            "the job's shell and its background sleep");

        doomed.Process.Signal(9);
        await doomed.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));

        await Eventually.Until(() => Task.FromResult(HostProcesses.WithVariable(Marker, marker).Count), count => count == 0, TimeSpan.FromSeconds(5),
            "the sandbox to die with its agent (--die-with-parent)");
    }

    private object Job(string script, Dictionary<string, string>? env = null, Dictionary<string, string>? secrets = null, int? timeoutSeconds = null, string? tag = null) =>
        new { product = "isolation", script, tags = new[] { tag ?? fixture.Tag }, env, secrets, timeoutSeconds };

    private async Task<(JsonObject Run, string Log)> RunAsync(
        string script, string? tag = null, Dictionary<string, string>? env = null, Dictionary<string, string>? secrets = null, int? timeoutSeconds = null)
    {
        using var api = fixture.ControlPlane.Api();
        var runId = (string)(await api.SubmitAsync(Job(script, env, secrets, timeoutSeconds, tag)))["runId"]!;
        var run = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30));
        return (run, Encoding.UTF8.GetString(await api.GetLogBytesAsync(runId)));
    }

    private static async Task CancelAsync(ApiClient api, string runId)
    {
        using var response = await api.Http.PostAsync($"/api/v1/deployments/{runId}/cancel", null);
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> HostStatAsync(string path)
    {
        var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(CliWrap.Cli.Wrap("stat").WithArguments(["-c", "%u:%g", path]));
        return result.StandardOutput.Trim();
    }
}
