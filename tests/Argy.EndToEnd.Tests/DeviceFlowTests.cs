using System.Text.RegularExpressions;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>One control plane whose device flow polls every second, so the real processes finish quickly.</summary>
public sealed class DeviceFlowFixture : IAsyncLifetime
{
    public ControlPlane ControlPlane { get; private set; } = null!;

    public async Task InitializeAsync() =>
        ControlPlane = await ControlPlane.StartAsync(settings => settings["Argy__DeviceFlow__Interval"] = "00:00:01");

    public async Task DisposeAsync() => await ControlPlane.DisposeAsync();
}

/// <summary>
/// The device flow with the real processes: argy-agent enroll (no token) and argy login wait for a code that
/// an admin approves with argy device approve.
/// </summary>
public sealed partial class DeviceFlowTests(DeviceFlowFixture fixture) : IClassFixture<DeviceFlowFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    private static async Task<string> WaitForCodeAsync(ChildProcess process)
    {
        var match = await Eventually.Until(
            () => Task.FromResult(ApproveCommand().Match(process.Output)),
            m => m.Success || process.HasExited,
            TimeSpan.FromSeconds(30),
            "the code to approve");
        match.Success.Should().BeTrue("the process printed:\n{0}", process.Output);
        return match.Groups[1].Value;
    }

    [Fact]
    public async Task An_agent_enrolls_interactively_once_an_admin_approves_its_code_and_then_runs_jobs()
    {
        using var directory = new TempDirectory("argy-dev-agent");
        var stateDir = directory.Combine("state");
        var tag = ControlPlaneFixture.UniqueTag();
        await using var enroll = ChildProcess.StartDotnet(Executables.Agent,
            ["enroll", "--url", ControlPlane.Url, "--state-dir", stateDir, "--name", "asked-for", "--tags", "ignored"]);

        var code = await WaitForCodeAsync(enroll);
        var approve = await ArgyCli.RunAsync(ControlPlane, null, "device", "approve", code.ToLowerInvariant(), "--name", "web-" + tag, "--tags", tag);
        var exitCode = await enroll.WaitForExitAsync(TimeSpan.FromSeconds(30));

        approve.ExitCode.Should().Be(0, approve.StandardError);
        approve.StandardOutput.Should().Contain($"approved {code}: argy-agent request from host {Environment.MachineName} (127.0.0.1)");
        exitCode.Should().Be(0, enroll.Output);
        enroll.Output.Should().Contain($"argy device approve {code} --name asked-for --tags ignored").And.Contain("in hmac mode");
        File.GetUnixFileMode(Path.Combine(stateDir, "agent.json")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Directory.CreateDirectory(directory.Combine("work"));
        File.SetUnixFileMode(directory.Path, (UnixFileMode)0b111_101_101);
        await using var agent = ChildProcess.StartDotnet(Executables.Agent, ["run", "--state-dir", stateDir, "--work-root", directory.Combine("work")]);
        using var api = ControlPlane.Api();
        var run = await api.SubmitAsync(new { product = "web", script = "echo enrolled by device flow", tags = new[] { tag } });
        var finished = await api.WaitForEndAsync((string)run["runId"]!, TimeSpan.FromSeconds(60));

        ((string)finished["status"]!).Should().Be("Succeeded", agent.Output);
        var agents = await ArgyCli.RunAsync(ControlPlane, null, "agents", "list");
        agents.StandardOutput.Should().Contain("web-" + tag);
    }

    [Fact]
    public async Task A_denied_enrollment_exits_77_and_leaves_no_credential()
    {
        using var directory = new TempDirectory("argy-dev-agent");
        await using var enroll = ChildProcess.StartDotnet(Executables.Agent, ["enroll", "--url", ControlPlane.Url, "--state-dir", directory.Combine("state")]);

        var code = await WaitForCodeAsync(enroll);
        var deny = await ArgyCli.RunAsync(ControlPlane, null, "device", "deny", code);
        var exitCode = await enroll.WaitForExitAsync(TimeSpan.FromSeconds(30));

        deny.ExitCode.Should().Be(0, deny.StandardError);
        exitCode.Should().Be(77, enroll.Output);
        enroll.Output.Should().Contain("an approver denied this enrollment");
        File.Exists(directory.Combine("state", "agent.json")).Should().BeFalse();
    }

    [Fact]
    public async Task Argy_login_gets_a_token_with_the_approvers_role_through_the_device_flow()
    {
        await using var login = ChildProcess.StartDotnet(Executables.Cli, ["login", "--url", ControlPlane.Url]);

        var code = await WaitForCodeAsync(login);
        var approve = await ArgyCli.RunAsync(ControlPlane, null, "device", "approve", code);
        var exitCode = await login.WaitForExitAsync(TimeSpan.FromSeconds(30));

        approve.ExitCode.Should().Be(0, approve.StandardError);
        approve.StandardOutput.Should().Contain("it receives a token with role PLATFORM_ADMIN");
        exitCode.Should().Be(0, login.Output);
        var token = login.Output.Split('\n').Single(l => l.StartsWith("export ARGY_TOKEN=", StringComparison.Ordinal))["export ARGY_TOKEN=".Length..].Trim();
        var agents = await ArgyCli.RunAsync(ControlPlane, new TenantCredentials(ControlPlane.Admin.TenantId, token), "agents", "list");
        agents.ExitCode.Should().Be(0, agents.StandardError);
    }

    [Fact]
    public async Task A_wrong_code_is_refused_by_the_cli()
    {
        var result = await ArgyCli.RunAsync(ControlPlane, null, "device", "approve", "ZZZZ-ZZZZ");

        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("No pending request has this code");
    }

    [GeneratedRegex("argy device approve ([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})")]
    private static partial Regex ApproveCommand();
}
