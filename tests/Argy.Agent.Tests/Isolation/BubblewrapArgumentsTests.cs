using System.Text;
using Argy.Agent.Isolation;

namespace Argy.Agent.Tests.Isolation;

public sealed class BubblewrapArgumentsTests
{
    private static readonly JobLaunch Launch = new(
        "/bin/sh", ["-e", "-c", "echo hi"], "/srv/work/run-1",
        new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DB_PASSWORD"] = "hunter2" });

    private static BubblewrapSetup Setup(string? setpriv = "/usr/bin/setpriv", bool disableUserns = true) =>
        new("/usr/bin/bwrap", "bubblewrap 0.8.0", disableUserns, setpriv, "/usr/bin/env", new JobUser(1001, 1001), []);

    [Fact]
    public void Root_drops_to_the_job_user_before_bubblewrap_runs()
    {
        var arguments = BubblewrapArguments.Build(Setup(), Launch, [], []);

        arguments.Take(7).Should().Equal(
            "/usr/bin/setpriv", "--reuid=1001", "--regid=1001", "--clear-groups", "--no-new-privs", "--", "/usr/bin/bwrap");
        arguments.Should().ContainInConsecutiveOrder("--args", "0").And.Contain("--disable-userns")
            .And.Contain(["--unshare-user", "--unshare-pid", "--die-with-parent", "--new-session"]);
    }

    [Fact]
    public void Agent_running_as_the_job_user_starts_bubblewrap_directly()
    {
        var arguments = BubblewrapArguments.Build(Setup(setpriv: null, disableUserns: false), Launch, [], []);

        arguments[0].Should().Be("/usr/bin/bwrap");
        arguments.Should().NotContain("--disable-userns");
    }

    [Fact]
    public void Secrets_go_through_stdin_not_the_command_line()
    {
        var arguments = BubblewrapArguments.Build(Setup(), Launch, [], []);
        var payload = Encoding.UTF8.GetString(BubblewrapArguments.EnvironmentPayload(Launch.Environment));

        arguments.Should().NotContain(argument => argument.Contains("hunter2", StringComparison.Ordinal));
        payload.Split('\0').Should().Equal("--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "DB_PASSWORD", "hunter2", "");
    }

    [Fact]
    public void Hidden_directories_are_covered_parents_first_and_made_read_only_after_the_workspace_is_bound()
    {
        var arguments = BubblewrapArguments.Build(
            Setup(), Launch, ["/srv/work", "/var/lib/argy-agent", "/srv"], ["/opt/argy/appsettings.json", "/srv/config.json"]);

        var mounts = Pairs(arguments, "--tmpfs", "--bind", "--remount-ro", "--ro-bind");
        mounts.Should().Equal(
            ("--ro-bind", "/"),
            ("--tmpfs", "/srv"),
            ("--tmpfs", "/tmp"),
            ("--tmpfs", "/srv/work"),
            ("--tmpfs", "/var/lib/argy-agent"),
            ("--ro-bind", "/opt/argy/appsettings.json"),
            ("--bind", "/srv/work/run-1"),
            ("--remount-ro", "/srv/work"),
            ("--remount-ro", "/var/lib/argy-agent"),
            ("--remount-ro", "/srv"));
        arguments[arguments.IndexOf("/opt/argy/appsettings.json") - 1].Should().Be("/dev/null");
    }

    [Fact]
    public void Job_gets_default_signals_its_stdin_back_and_its_argv_untouched()
    {
        var arguments = BubblewrapArguments.Build(Setup(), Launch, [], []);

        arguments.Skip(arguments.IndexOf("--chdir")).Should().Equal(
            "--chdir", "/srv/work/run-1", "--", "/usr/bin/env", "--default-signal", "/bin/sh", "-c", "exec \"$@\" </dev/null", "argy-job", "/bin/sh", "-e", "-c", "echo hi");
    }

    // The destination of each mount, in order (for --ro-bind and --bind the second operand).
    private static List<(string Option, string Destination)> Pairs(List<string> arguments, params string[] options)
    {
        var pairs = new List<(string, string)>();
        for (var i = 0; i < arguments.Count; i++)
        {
            if (options.Contains(arguments[i]))
            {
                pairs.Add((arguments[i], arguments[i] is "--bind" or "--ro-bind" ? arguments[i + 2] : arguments[i + 1]));
            }
        }

        return pairs;
    }
}
