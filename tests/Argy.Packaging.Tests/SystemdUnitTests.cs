using System.Reflection;
using System.Text.Json;

namespace Argy.Packaging.Tests;

public sealed class SystemdUnitTests
{
    private static readonly UnitFile Agent = UnitFile.Parse(RepositoryFiles.Read("packaging", "systemd", "argy-agent.service"));
    private static readonly UnitFile ControlPlane = UnitFile.Parse(RepositoryFiles.Read("packaging", "systemd", "argy-controlplane.service"));
    private static readonly Assembly AgentAssembly = Assembly.Load("argy-agent");

    [Fact]
    public void The_agent_unit_uses_the_systemd_integration_and_runs_the_binary_directly()
    {
        Agent.Get("Service", "Type").Should().Be("notify", "the agent calls UseSystemd() and sends READY=1");
        Agent.Get("Service", "NotifyAccess").Should().Be("main");

        // Microsoft.Extensions.Hosting.Systemd recognises systemd by the parent process: no shell, no wrapper.
        var execStart = Agent.Get("Service", "ExecStart").Split(' ');
        execStart[0].Should().StartWith("/").And.EndWith("/argy-agent");
        execStart.Skip(1).Should().Equal("run");
        Agent.Get("Service", "WorkingDirectory").Should().Be("/var/lib/argy-agent");
    }

    [Fact]
    public void The_agent_unit_runs_as_the_dedicated_user_and_only_once_enrolled()
    {
        Agent.Get("Service", "User").Should().Be("argy-agent");
        Agent.Get("Service", "Group").Should().Be("argy-agent");
        Agent.Get("Unit", "ConditionPathExists").Should().Be("/var/lib/argy-agent/agent.json");
        Agent.Has("Unit", "Documentation").Should().BeFalse("there is no published documentation URL to point at");
    }

    [Fact]
    public void The_agent_unit_restarts_on_failure_but_never_when_restarting_cannot_help()
    {
        Agent.Get("Service", "Restart").Should().Be("on-failure");
        UnitFile.ParseTimeSpan(Agent.Get("Service", "RestartSec")).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5));

        var exitCodes = AgentAssembly.GetType("Argy.Agent.Cli.ExitCodes", throwOnError: true)!;
        var final = new[] { "CredentialRejected", "Superseded", "EnrollmentRefused", "Configuration" }
            .Select(name => ((int)exitCodes.GetField(name)!.GetRawConstantValue()!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Agent.Words("Service", "RestartPreventExitStatus").Should().BeEquivalentTo(final);
    }

    [Fact]
    public void The_agent_unit_gives_a_graceful_stop_the_time_the_agent_needs_to_drain()
    {
        using var settings = JsonDocument.Parse(RepositoryFiles.Read("agent", "Argy.Agent", "appsettings.json"));
        var drain = TimeSpan.Parse(
            settings.RootElement.GetProperty("Agent").GetProperty("ShutdownTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var overhead = (TimeSpan)AgentAssembly.GetType("Argy.Agent.Hosting.AgentHost", throwOnError: true)!
            .GetField("ShutdownOverhead", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

        UnitFile.ParseTimeSpan(Agent.Get("Service", "TimeoutStopSec")).Should().BeGreaterThan(drain + overhead,
            "systemd must not SIGKILL the agent while it drains ({0} + {1})", drain, overhead);
        Agent.Get("Service", "KillMode").Should().Be("mixed", "SIGTERM goes to the agent only, so running jobs can finish");
    }

    [Fact]
    public void The_agent_unit_is_hardened()
    {
        Agent.Get("Service", "NoNewPrivileges").Should().Be("yes");
        Agent.Get("Service", "ProtectSystem").Should().Be("strict");
        Agent.Get("Service", "StateDirectory").Should().Be("argy-agent");
        Agent.Get("Service", "StateDirectoryMode").Should().Be("0700");
        Agent.Words("Service", "ReadWritePaths").Should().Equal("/work");
        Agent.Get("Service", "PrivateTmp").Should().Be("yes");
        Agent.Get("Service", "ProtectHome").Should().Be("yes");
        Agent.Get("Service", "PrivateDevices").Should().Be("yes");
        Agent.Get("Service", "PrivateMounts").Should().Be("yes");
        Agent.Get("Service", "PrivateUsers").Should().Be("yes");
        Agent.Get("Service", "UMask").Should().Be("0077");
        Agent.Get("Service", "ProtectKernelModules").Should().Be("yes");
        Agent.Get("Service", "ProtectControlGroups").Should().Be("yes");
        Agent.Get("Service", "ProtectClock").Should().Be("yes");
        Agent.Get("Service", "RestrictSUIDSGID").Should().Be("yes");
        Agent.Get("Service", "CapabilityBoundingSet").Should().BeEmpty("the agent runs as 1001 and bubblewrap needs no capability from outside its user namespace");
        Agent.Get("Service", "AmbientCapabilities").Should().BeEmpty();
        Agent.Get("Service", "SystemCallArchitectures").Should().Be("native");
        Agent.Words("Service", "SystemCallFilter").Should().Contain("@system-service").And.NotContain("~@resources", "the .NET runtime fails to start without @resources");
        // It hides PID 1's /proc entry, by which the .NET systemd integration recognises systemd: no READY=1.
        Agent.Has("Service", "ProtectProc").Should().BeFalse();
        Agent.Words("Service", "RestrictAddressFamilies").Should().BeEquivalentTo(["AF_UNIX", "AF_INET", "AF_INET6"]);
    }

    [Fact]
    public void The_agent_unit_allows_what_the_bubblewrap_sandbox_needs_and_nothing_more()
    {
        // bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try, plus the mount
        // namespace every sandbox has; no --unshare-net (jobs deploy over the network).
        Agent.Words("Service", "RestrictNamespaces").Should().BeEquivalentTo(["user", "mnt", "pid", "ipc", "uts", "cgroup"]);
        // bwrap mounts (mount, pivot_root): @mount has to be allowed on top of @system-service.
        Agent.Words("Service", "SystemCallFilter").Should().Contain("@mount");
        // Both over-mount parts of /proc, after which the kernel refuses bwrap's fresh /proc for the job.
        Agent.Has("Service", "ProtectKernelTunables").Should().BeFalse();
        Agent.Has("Service", "ProtectKernelLogs").Should().BeFalse();
        // bwrap reads /proc/sys/kernel/overflowuid.
        Agent.Has("Service", "ProcSubset").Should().BeFalse();
    }

    [Fact]
    public void The_control_plane_unit_runs_the_binary_directly_without_privileges()
    {
        ControlPlane.Get("Service", "ExecStart").Should().Be("/opt/argy/argy-controlplane");
        ControlPlane.Get("Service", "DynamicUser").Should().Be("yes");
        ControlPlane.Get("Service", "StateDirectory").Should().Be("argy");
        ControlPlane.Get("Service", "WorkingDirectory").Should().Be("/var/lib/argy");
        ControlPlane.Get("Service", "Restart").Should().Be("on-failure");
        ControlPlane.Words("Service", "Environment").Should().Contain("Argy__Storage__DatabasePath=/var/lib/argy/argy.db");
        foreach (var key in new[] { "NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices", "ProtectKernelTunables",
                     "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictSUIDSGID", "RestrictNamespaces", "PrivateUsers" })
        {
            ControlPlane.Get("Service", key).Should().Be("yes", key);
        }

        ControlPlane.Get("Service", "ProtectSystem").Should().Be("strict");
        ControlPlane.Get("Service", "CapabilityBoundingSet").Should().BeEmpty();
    }
}
