using System.Security.Cryptography;
using System.Text;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>
/// Networks drop and control planes restart mid-deploy: every run still ends exactly once and its stored log
/// is byte-for-byte what the job printed. Real processes; a TCP proxy cuts connections.
/// </summary>
public sealed class FaultInjectionTests
{
    // About 5 MB printed over a couple of seconds, so faults land in the middle of the output.
    private const int Batches = 70;
    private const int PerBatch = 10_000;
    private static readonly string SlowSequence =
        $"i=0; while [ $i -lt {Batches} ]; do seq $((i*{PerBatch}+1)) $((i*{PerBatch}+{PerBatch})); i=$((i+1)); sleep 0.03; done";

    private static readonly Lazy<string> ExpectedHash = new(() =>
    {
        var expected = new StringBuilder();
        for (var n = 1; n <= Batches * PerBatch; n++)
        {
            expected.Append(n).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(expected.ToString())));
    });

    [Fact]
    public async Task Control_plane_killed_mid_job_and_restarted_on_the_same_database_loses_no_log_byte()
    {
        await using var controlPlane = await ControlPlane.StartAsync();
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(controlPlane, [tag]);
        using var api = controlPlane.Api();
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = SlowSequence, tags = new[] { tag } }))["runId"]!;
        await WaitForOutput(api, runId);

        await controlPlane.KillAsync();
        await controlPlane.RestartAsync();

        using var after = controlPlane.Api();
        var ended = await after.WaitForEndAsync(runId, TimeSpan.FromSeconds(90));
        ((string)ended["status"]!).Should().Be("Succeeded", "agent output:\n{0}", agent.Process.Output);
        Convert.ToHexString(SHA256.HashData(await after.GetLogBytesAsync(runId))).Should().Be(ExpectedHash.Value);
    }

    [Fact]
    public async Task Connections_cut_several_times_during_a_run_lose_and_duplicate_no_log_byte()
    {
        await using var proxy = new TcpProxy();
        await using var controlPlane = await ControlPlane.StartAsync(settings => settings["Argy__Agents__PublicGrpcUrl"] = proxy.Url);
        proxy.Target = controlPlane.GrpcUrl;
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(controlPlane, [tag]);
        using var api = controlPlane.Api();
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = SlowSequence, tags = new[] { tag } }))["runId"]!;
        await WaitForOutput(api, runId);

        for (var cut = 0; cut < 3; cut++)
        {
            proxy.CutAll().Should().BePositive("the agent's connection goes through the proxy");
            // Wait for the agent to be back before the next cut, so each cut hits a live session.
            await Eventually.Until(() => Task.FromResult(proxy.OpenConnections), open => open > 0, TimeSpan.FromSeconds(30), "the agent to reconnect");
            await agent.WaitForStatusAsync(api, "Connected");
            await Task.Delay(200);
        }

        var ended = await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(90));
        ((string)ended["status"]!).Should().Be("Succeeded", "agent output:\n{0}", agent.Process.Output);
        Convert.ToHexString(SHA256.HashData(await api.GetLogBytesAsync(runId))).Should().Be(ExpectedHash.Value);
    }

    [Fact]
    public async Task Sigterm_to_the_agent_lets_the_running_job_finish_and_the_agent_exits_zero()
    {
        await using var controlPlane = await ControlPlane.StartAsync();
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(controlPlane, [tag]);
        using var api = controlPlane.Api();
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = "echo begin; sleep 2; echo end", tags = new[] { tag } }))["runId"]!;
        await WaitForOutput(api, runId);

        agent.Process.Signal(15);

        (await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, agent.Process.Output);
        var ended = await api.GetRunAsync(runId);
        ((string)ended["status"]!).Should().Be("Succeeded");
        Encoding.UTF8.GetString(await api.GetLogBytesAsync(runId)).Should().Be("begin\nend\n");
    }

    [Fact]
    public async Task An_agent_reconnects_by_itself_once_a_stopped_control_plane_is_back()
    {
        await using var controlPlane = await ControlPlane.StartAsync();
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(controlPlane, [tag]);

        await controlPlane.KillAsync();
        // Long enough for a few failed attempts and a growing backoff.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await controlPlane.RestartAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();

        using var api = controlPlane.Api();
        await agent.WaitForStatusAsync(api, "Connected");
        back.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the backoff at this point is well under its 60 s cap");
        var runId = (string)(await api.SubmitAsync(new { product = "web", script = "echo after restart", tags = new[] { tag } }))["runId"]!;
        ((string)(await api.WaitForEndAsync(runId, TimeSpan.FromSeconds(30)))["status"]!).Should().Be("Succeeded");
    }

    private static Task WaitForOutput(ApiClient api, string runId) =>
        Eventually.Until(async () => (await api.GetLogBytesAsync(runId)).Length, length => length > 0, TimeSpan.FromSeconds(30), $"output of {runId}");
}
