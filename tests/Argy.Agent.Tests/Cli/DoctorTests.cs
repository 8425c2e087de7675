using System.Diagnostics;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;

namespace Argy.Agent.Tests.Cli;

/// <summary>`argy-agent doctor` and the start-up check of `run`, through the real executable as packaging and operators use them.</summary>
public sealed class DoctorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<(int ExitCode, string Output, string Error)> AgentAsync(Dictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(AgentExecutable.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output, await error);
    }

    private Task<(int ExitCode, string Output, string Error)> DoctorAsync(Dictionary<string, string>? environment = null) =>
        AgentAsync(environment, "doctor", "--state-dir", _temp.Combine("state"), "--work-root", _temp.Combine("work"));

    [Fact]
    public async Task Doctor_works_without_enrollment_and_shows_the_active_isolation()
    {
        var (exitCode, output, error) = await DoctorAsync();

        exitCode.Should().Be(0, output + error);
        output.Should().Contain("configured:   Agent:Isolation:Mode=Bubblewrap")
            .And.Contain("probe job:    ok")
            .And.Contain("ok    has its own PID namespace")
            .And.Contain("active:       Bubblewrap: bubblewrap sandbox as");
        Directory.EnumerateFileSystemEntries(_temp.Combine("work")).Should().BeEmpty("the probe cleans up after itself");
    }

    [RootFact]
    public async Task Doctor_as_root_shows_the_job_user_it_drops_to()
    {
        var (_, output, _) = await DoctorAsync();

        output.Should().Contain("setpriv:      /usr/bin/setpriv")
            .And.Contain("job user:     uid 1001, gid 1001")
            .And.Contain("ok    runs as uid 1001, gid 1001 without supplementary groups");
    }

    [Fact]
    public async Task Doctor_fails_with_the_reason_when_the_configured_isolation_cannot_work()
    {
        var (exitCode, output, error) = await DoctorAsync(new() { ["ARGY_AGENT__ISOLATION__BUBBLEWRAPPATH"] = "/nonexistent/bwrap" });

        exitCode.Should().Be(1);
        output.Should().Contain("active:       none, 'argy-agent run' refuses to start");
        error.Trim().Should().StartWith("error: job isolation 'Bubblewrap' does not work here: bubblewrap is not installed");
    }

    [Fact]
    public async Task Doctor_in_mode_none_succeeds_with_a_warning()
    {
        var (exitCode, output, _) = await DoctorAsync(new() { ["ARGY_AGENT__ISOLATION__MODE"] = "None" });

        exitCode.Should().Be(0);
        output.Should().Contain("active:       None: NO ISOLATION").And.Contain("warning:      jobs are NOT isolated");
    }

    [Fact]
    public async Task Run_refuses_to_start_with_exit_78_when_isolation_cannot_work()
    {
        var stateDir = _temp.Combine("state");
        await new AgentStateStore(stateDir).SaveAsync(new AgentState
        {
            AgentId = "agt_d", TenantId = "ten_d", Credential = "c",
            ControlPlaneUrl = new Uri("http://127.0.0.1:1/"), GrpcUrl = new Uri("http://127.0.0.1:1/"),
        }, CancellationToken.None);

        var (exitCode, output, error) = await AgentAsync(
            new() { ["ARGY_AGENT__ISOLATION__BUBBLEWRAPPATH"] = "/nonexistent/bwrap" },
            "run", "--state-dir", stateDir, "--work-root", _temp.Combine("work"));

        exitCode.Should().Be(78, output + error);
        output.Should().Contain("is configured but does not work on this host: bubblewrap is not installed");
        error.Should().Contain("error: invalid configuration: job isolation 'Bubblewrap' (Agent:Isolation:Mode) does not work on this host");
    }
}
