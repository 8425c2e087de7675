namespace Argy.Packaging.Tests;

public sealed class SystemdUnitTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void The_agent_unit_never_restarts_a_revoked_agent()
    {
        var unit = File.ReadAllText(Path.Combine(Root, "packaging", "systemd", "argy-agent.service"));

        unit.Should().Contain("RestartPreventExitStatus=").And.Contain("NoNewPrivileges=yes");
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Argy.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Argy.sln not found above the test directory.");
    }
}
