using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;
using CliWrap;
using CliWrap.Buffered;

namespace Argy.EndToEnd.Tests;

/// <summary>A control plane whose rotation grace period is short, so a running agent must switch keys in time.</summary>
public sealed class ShortGraceFixture : IAsyncLifetime
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(4);

    public ControlPlane ControlPlane { get; private set; } = null!;

    public async Task InitializeAsync() =>
        ControlPlane = await ControlPlane.StartAsync(settings => settings["Argy__AgentAuth__RotationGracePeriod"] = Grace.ToString("c"));

    public async Task DisposeAsync() => await ControlPlane.DisposeAsync();
}

/// <summary>How agents authenticate, with the real processes: hmac (the default), rotation, a wrong credential.</summary>
public sealed class AuthenticationTests(ShortGraceFixture fixture) : IClassFixture<ShortGraceFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    private static async Task<BufferedCommandResult> RotateAsync(Agent agent) =>
        await Cli.Wrap("dotnet")
            .WithArguments([Executables.Agent, "rotate", "--state-dir", agent.StateDirectory])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

    private static string StateFile(Agent agent) => File.ReadAllText(Path.Combine(agent.StateDirectory, "agent.json"));

    [Fact]
    public async Task Agents_enroll_in_hmac_mode_by_default_and_the_secret_never_leaves_the_state_file()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);
        using var api = ControlPlane.Api();
        var run = await api.SubmitAsync(new { product = "web", script = "echo signed all the way", tags = new[] { tag } });

        var finished = await api.WaitForEndAsync((string)run["runId"]!, TimeSpan.FromSeconds(60));

        ((string)finished["status"]!).Should().Be("Succeeded");
        ((string)(await api.GetAgentAsync(agent.Id))["authMode"]!).Should().Be("hmac");
        var state = JsonNode.Parse(StateFile(agent))!;
        ((string)state["authMode"]!).Should().Be("hmac");
        var secret = (string)state["credential"]!;
        agent.Process.Output.Should().NotContain(secret);
        ControlPlane.Output.Should().NotContain(secret);
    }

    [Fact]
    public async Task A_running_agent_rotates_its_credential_without_interrupting_its_job()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(ControlPlane, [tag]);
        using var api = ControlPlane.Api();
        var before = JsonNode.Parse(StateFile(agent))!;
        var run = await api.SubmitAsync(new { product = "web", script = "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done", tags = new[] { tag } });
        await Eventually.Until(() => api.GetRunAsync((string)run["runId"]!), r => (string?)r["status"] == "Running", TimeSpan.FromSeconds(30), "the job to run");

        var rotate = await RotateAsync(agent);
        var finished = await api.WaitForEndAsync((string)run["runId"]!, TimeSpan.FromSeconds(60));

        rotate.ExitCode.Should().Be(0, rotate.StandardError);
        rotate.StandardOutput.Should().Contain("rotated the credential of agent " + agent.Id);
        var after = JsonNode.Parse(StateFile(agent))!;
        ((string)after["keyId"]!).Should().NotBe((string)before["keyId"]!);
        ((string)finished["status"]!).Should().Be("Succeeded", agent.Process.Output);
        System.Text.Encoding.UTF8.GetString(await api.GetLogBytesAsync((string)run["runId"]!)).Should().Contain("tick 8");

        // Past the grace period only the new key works; the agent switched at a heartbeat and keeps running jobs.
        await Task.Delay(ShortGraceFixture.Grace);
        var next = await api.SubmitAsync(new { product = "web", script = "echo after rotation", tags = new[] { tag } });
        ((string)(await api.WaitForEndAsync((string)next["runId"]!, TimeSpan.FromSeconds(60)))["status"]!).Should().Be("Succeeded");
        agent.Process.HasExited.Should().BeFalse(agent.Process.Output);
        agent.Process.Output.Should().Contain("Switched to the credential in the state file");
    }

    [Fact]
    public async Task An_agent_with_a_wrong_credential_is_refused_and_exits_3_without_retrying()
    {
        await using var agent = await Agent.StartAsync(ControlPlane, [ControlPlaneFixture.UniqueTag()]);
        await agent.Process.DisposeAsync();
        var path = Path.Combine(agent.StateDirectory, "agent.json");
        var state = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var credential = (string)state["credential"]!;
        state["credential"] = credential[..^6] + "AAAAAA";
        File.WriteAllText(path, state.ToJsonString());

        agent.Run();
        var exitCode = await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));

        exitCode.Should().Be(3);
        agent.Process.Output.Should().Contain("BadSignature");
        using var api = ControlPlane.Api();
        await Eventually.Until(
            async () => await ApiClient.ExpectJson(await api.Http.GetAsync("/api/v1/audit-events?action=agent.auth.rejected"), 200),
            audit => audit["items"]!.AsArray().Any(e => (string)e!["actor"]! == agent.Id),
            TimeSpan.FromSeconds(10),
            "the refusal in the audit trail");
    }
}

/// <summary>A control plane in apikey mode (on-prem).</summary>
public sealed class ApiKeyModeFixture : IAsyncLifetime
{
    public ControlPlane ControlPlane { get; private set; } = null!;

    public async Task InitializeAsync() => ControlPlane = await ControlPlane.StartAsync(settings => settings["Argy__AgentAuth__Mode"] = "apikey");

    public async Task DisposeAsync() => await ControlPlane.DisposeAsync();
}

public sealed class ApiKeyModeTests(ApiKeyModeFixture fixture) : IClassFixture<ApiKeyModeFixture>
{
    [Fact]
    public async Task An_agent_of_an_apikey_control_plane_runs_jobs_and_is_shown_in_apikey_mode()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(fixture.ControlPlane, [tag]);
        using var api = fixture.ControlPlane.Api();
        var run = await api.SubmitAsync(new { product = "web", script = "echo api key", tags = new[] { tag } });

        ((string)(await api.WaitForEndAsync((string)run["runId"]!, TimeSpan.FromSeconds(60)))["status"]!).Should().Be("Succeeded");
        ((string)(await api.GetAgentAsync(agent.Id))["authMode"]!).Should().Be("apikey");
        var list = await ArgyCli.RunAsync(fixture.ControlPlane, null, "agents", "list");
        list.ExitCode.Should().Be(0);
    }
}
