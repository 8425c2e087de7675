using System.Net.Http.Json;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests;

/// <summary>Runs are never silently lost: an agent that dies mid-job is detected, and its work is reported.</summary>
public sealed class ReliabilityTests : IAsyncLifetime
{
    private ControlPlane _controlPlane = null!;

    public async Task InitializeAsync() =>
        _controlPlane = await ControlPlane.StartAsync(settings => settings["Argy__Agents__RunLease"] = "00:00:02");

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    [Fact]
    public async Task A_killed_agents_run_fails_with_AgentLost_after_the_lease_and_another_agent_takes_the_next_job()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        using var api = _controlPlane.Api();
        await using var doomed = await Agent.StartAsync(_controlPlane, [tag]);
        var first = (string)(await api.SubmitAsync(new { product = "web", script = "echo working; sleep 600", tags = new[] { tag } }))["runId"]!;
        await Eventually.Until(() => api.GetRunAsync(first), r => (string?)r["status"] == "Running", TimeSpan.FromSeconds(30), "the job to run");
        var next = (string)(await api.SubmitAsync(new { product = "web", script = "echo next", tags = new[] { tag } }))["runId"]!;

        doomed.Process.Kill();

        var lost = await api.WaitForEndAsync(first, TimeSpan.FromSeconds(30));
        ((string)lost["status"]!).Should().Be("Failed");
        ((string)lost["message"]!).Should().StartWith("AgentLost");
        ((string)(await api.GetRunAsync(next))["status"]!).Should().Be("Queued", "nothing else could run it yet");

        await using var replacement = await Agent.StartAsync(_controlPlane, [tag]);
        var ran = await api.WaitForEndAsync(next, TimeSpan.FromSeconds(30));
        ((string)ran["status"]!).Should().Be("Succeeded");
        ((string)ran["agentId"]!).Should().Be(replacement.Id);
    }

    [Fact]
    public async Task Health_readiness_and_metrics_are_served_without_credentials()
    {
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(_controlPlane, [tag]);
        using var api = _controlPlane.Api();
        var run = (string)(await api.SubmitAsync(new { product = "web", script = "echo metrics", tags = new[] { tag } }))["runId"]!;
        await api.WaitForEndAsync(run, TimeSpan.FromSeconds(30));
        using var anonymous = new HttpClient { BaseAddress = new Uri(_controlPlane.Url) };

        (await anonymous.GetAsync("/healthz")).IsSuccessStatusCode.Should().BeTrue();
        var ready = await anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/readyz");
        ((string)ready!["status"]!).Should().Be("ready");
        var metrics = await anonymous.GetStringAsync("/metrics");

        metrics.Should().Contain("argy_agents{status=\"Connected\"}");
        metrics.Should().Contain("argy_jobs_finished_total{status=\"Succeeded\"}");
        metrics.Should().Contain("argy_dispatch_latency_seconds_bucket");
        metrics.Should().Contain("argy_log_bytes_total");
    }

    [Fact]
    public async Task The_agent_serves_its_own_metrics_on_the_configured_local_address()
    {
        var port = FreePort();
        var tag = ControlPlaneFixture.UniqueTag();
        await using var agent = await Agent.StartAsync(_controlPlane, [tag],
            settings: new Dictionary<string, string?> { ["ARGY_AGENT__METRICSADDRESS"] = $"127.0.0.1:{port}" });
        using var api = _controlPlane.Api();
        var run = (string)(await api.SubmitAsync(new { product = "web", script = "echo scraped", tags = new[] { tag } }))["runId"]!;
        await api.WaitForEndAsync(run, TimeSpan.FromSeconds(30));
        using var http = new HttpClient();

        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        metrics.Should().Contain("argy_agent_connected 1");
        metrics.Should().Contain("argy_agent_running_jobs 0");
        metrics.Should().Contain("argy_agent_reconnects_total");
        metrics.Should().Contain("argy_agent_unacknowledged_messages");
        metrics.Should().Contain("argy_agent_last_heartbeat_timestamp_seconds");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
