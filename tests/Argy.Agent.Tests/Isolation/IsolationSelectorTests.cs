using Argy.Agent.Configuration;
using Argy.Agent.Hosting;
using Argy.Agent.Isolation;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Tests.Isolation;

public sealed class IsolationSelectorTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private AgentOptions Options(Action<IsolationOptions>? configure = null)
    {
        var options = Support.Jobs.Agent(_directory.Combine("work"));
        configure?.Invoke(options.Isolation);
        return options;
    }

    private static Task<JobSandbox> SelectAsync(AgentOptions options) =>
        new IsolationSelector(Microsoft.Extensions.Options.Options.Create(options), NullLogger<IsolationSelector>.Instance)
            .SelectAsync(CancellationToken.None);

    [Fact]
    public async Task Bubblewrap_is_selected_where_it_works()
    {
        var sandbox = await SelectAsync(Options());

        sandbox.Mode.Should().Be(IsolationMode.Bubblewrap);
        sandbox.User.Should().Be(Native.CurrentUser.IsRoot ? new JobUser(1001, 1001) : Native.CurrentUser);
    }

    [Fact]
    public async Task Agent_directories_nested_in_each_other_are_all_hidden()
    {
        var state = _directory.Combine("state");
        Directory.CreateDirectory(state);
        await File.WriteAllTextAsync(Path.Combine(state, "agent.json"), "{}");
        var options = Options(isolation => isolation.HiddenPaths.Add(Path.Combine(state, "agent.json")));
        options.StateDirectory = state;
        options.WorkRoot = Path.Combine(state, "work");
        options.LogDirectory = Path.Combine(state, "logs-not-created-yet");

        var probe = await IsolationProbe.RunAsync(Support.Jobs.Sandbox(options), options, CancellationToken.None);

        probe.Failures.Should().BeEmpty();
        probe.Passed.Should().Contain([$"sees only its own workspace in {state}", $"sees only its own workspace in {options.WorkRoot}"]);
    }

    [Fact]
    public async Task Unavailable_bubblewrap_refuses_to_run_jobs_and_says_why()
    {
        var select = () => SelectAsync(Options(isolation => isolation.BubblewrapPath = "/nonexistent/bwrap"));

        (await select.Should().ThrowAsync<IsolationUnavailableException>()).Which.Message.Should()
            .Contain("bubblewrap is not installed").And.Contain("Agent:Isolation:AllowFallback");
    }

    [Fact]
    public async Task Unavailable_bubblewrap_falls_back_to_no_isolation_only_when_allowed()
    {
        var sandbox = await SelectAsync(Options(isolation =>
        {
            isolation.BubblewrapPath = "/nonexistent/bwrap";
            isolation.AllowFallback = true;
        }));

        sandbox.Mode.Should().Be(IsolationMode.None);
        sandbox.User.Should().Be(Native.CurrentUser);
    }

    [Fact]
    public async Task Mode_none_runs_plain_processes_as_the_agent()
    {
        var sandbox = await SelectAsync(Options(isolation => isolation.Mode = IsolationMode.None));

        sandbox.Mode.Should().Be(IsolationMode.None);
        sandbox.Description.Should().StartWith("NO ISOLATION");
    }

    [RootFact]
    public async Task Work_root_the_job_user_cannot_reach_fails_the_probe()
    {
        var locked = _directory.Combine("locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = Options();
        options.WorkRoot = Path.Combine(locked, "work");

        var select = () => SelectAsync(options);

        (await select.Should().ThrowAsync<IsolationUnavailableException>()).Which.Message.Should().Contain("exited with code");
    }

    [Fact]
    public async Task Agent_host_does_not_start_when_isolation_is_unavailable()
    {
        var configuration = AgentConfiguration.Build(new Dictionary<string, string?>
        {
            ["Agent:StateDirectory"] = _directory.Combine("state"),
            ["Agent:WorkRoot"] = _directory.Combine("work"),
            ["Agent:Isolation:BubblewrapPath"] = "/nonexistent/bwrap",
            ["Serilog:MinimumLevel:Default"] = "Fatal",
        });
        using var host = AgentHost.Build(configuration, new AgentState
        {
            AgentId = "agt_x", TenantId = "ten_x", Credential = "c",
            ControlPlaneUrl = new Uri("http://127.0.0.1:1/"), GrpcUrl = new Uri("http://127.0.0.1:1/"),
        });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("bubblewrap is not installed");
    }
}
