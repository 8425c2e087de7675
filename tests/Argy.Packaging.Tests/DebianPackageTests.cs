namespace Argy.Packaging.Tests;

public sealed class DebianPackageTests
{
    [Fact]
    public void The_package_depends_on_what_the_self_contained_agent_loads_and_on_bubblewrap()
    {
        var control = RepositoryFiles.Read("packaging", "debian", "control.in");
        var depends = control.Split('\n').Single(line => line.StartsWith("Depends:", StringComparison.Ordinal));

        depends.Should().Contain("libc6 (>= @GLIBC@)").And.Contain("libssl3").And.Contain("ca-certificates").And.Contain("bubblewrap");
        // The glibc the executable links against (NativeAOT: the publishing machine's), never below 2.27.
        var build = RepositoryFiles.Read("packaging", "debian", "build-deb.sh");
        build.Should().Contain("grep -ao 'GLIBC_2\\.[0-9]*' \"$published/argy-agent\"").And.Contain("echo GLIBC_2.27")
            .And.Contain("-e \"s|@GLIBC@|$glibc|\"");
        control.Should().NotContain("Homepage:", "there is no published home page to point at");
    }

    [Fact]
    public void A_fresh_install_starts_nothing_and_an_upgrade_restarts_only_a_running_agent()
    {
        var postinst = RepositoryFiles.Read("packaging", "debian", "postinst");
        var commands = postinst[..postinst.IndexOf("cat <<'NEXT'", StringComparison.Ordinal)];

        commands.Should().NotContain("deb-systemd-invoke start").And.NotContain("systemctl start").And.NotContain("deb-systemd-invoke restart");
        postinst.Should().Contain("deb-systemd-invoke try-restart argy-agent.service");
        postinst.Should().Contain("install -d -m 0700 -o \"$user\" -g \"$user\" /var/lib/argy-agent");
    }

    [Fact]
    public void Purge_removes_the_credential_and_the_user_but_remove_keeps_them()
    {
        var postrm = RepositoryFiles.Read("packaging", "debian", "postrm");
        var purge = postrm[postrm.IndexOf("if [ \"$1\" = purge ]", StringComparison.Ordinal)..];

        purge.Should().Contain("rm -rf /var/lib/argy-agent").And.Contain("userdel argy-agent").And.Contain("groupdel argy-agent");
        postrm[..postrm.IndexOf("if [ \"$1\" = purge ]", StringComparison.Ordinal)].Should().NotContain("rm -rf");
    }

    [Fact]
    public void Local_settings_are_a_conffile_read_by_the_unit_and_the_defaults_a_real_file_beside_the_binary()
    {
        RepositoryFiles.Read("packaging", "debian", "conffiles").Trim().Should().Be("/etc/argy-agent/agent.env");
        UnitFile.Parse(RepositoryFiles.Read("packaging", "systemd", "argy-agent.service"))
            .Get("Service", "EnvironmentFile").Should().Be("-/etc/argy-agent/agent.env");

        // The job sandbox hides appsettings.json by binding /dev/null over it, which a symbolic link defeats.
        var build = RepositoryFiles.Read("packaging", "debian", "build-deb.sh");
        build.Should().Contain("install -m 0644 \"$published/appsettings.json\" \"$pkg/usr/lib/argy-agent/appsettings.json\"");
        build.Split('\n').Where(line => line.StartsWith("ln ", StringComparison.Ordinal)).Should().OnlyContain(line => line.Contains("/usr/bin/argy-agent", StringComparison.Ordinal));
        RepositoryFiles.Read("packaging", "debian", "agent.env").Split('\n')
            .Where(line => line.Length > 0).Should().OnlyContain(line => line.StartsWith('#'), "nothing is set by default");
    }
}
