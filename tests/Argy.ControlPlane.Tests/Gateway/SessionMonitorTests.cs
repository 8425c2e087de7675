using Argy.ControlPlane.Gateway;
using Argy.ControlPlane.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Tests.Gateway;

/// <summary>
/// Liveness and last-seen times of connected agents, kept by one sweep (<see cref="SessionMonitor"/>) rather than a
/// timer and a database write per session. The tests' heartbeat interval is ten minutes: the silence limit is 30.
/// </summary>
public sealed class SessionMonitorTests : IAsyncLifetime
{
    private TestControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await TestControlPlane.StartAsync();

    public async Task DisposeAsync() => await _controlPlane.DisposeAsync();

    private GatewayClient NewClient(EnrolledAgent agent) => new(new AgentGateway.AgentGatewayClient(_controlPlane.Channel()), agent, _controlPlane.Time);

    [Fact]
    public async Task Only_the_agent_that_fell_silent_is_disconnected_once_three_heartbeats_are_missed()
    {
        var talking = await _controlPlane.EnrollAgentAsync();
        var silent = await _controlPlane.EnrollAgentAsync();
        var talker = NewClient(talking);
        await talker.ConnectAsync();
        var quiet = NewClient(silent);
        await quiet.ConnectAsync();

        _controlPlane.Time.Advance(TimeSpan.FromMinutes(20));
        await talker.SendAcknowledgedAsync(1);
        (await StatusOf(silent)).Should().Be("Connected", "20 minutes of silence are within the limit");
        _controlPlane.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(2));

        (await WaitForStatus(silent, "Disconnected")).Should().Be("Disconnected");
        (await quiet.EndAsync()).StatusCode.Should().Be(Grpc.Core.StatusCode.OK);
        (await StatusOf(talking)).Should().Be("Connected", "it was heard from ten minutes ago");
        await talker.SendAcknowledgedAsync(2);
    }

    [Fact]
    public async Task A_heartbeat_reaches_the_stored_last_seen_time_with_the_next_periodic_write_not_on_its_own()
    {
        var agent = await _controlPlane.EnrollAgentAsync();
        var client = NewClient(agent);
        await client.ConnectAsync();
        var connectedAt = await LastActivityOf(agent);

        _controlPlane.Time.Advance(TimeSpan.FromMinutes(5));
        await client.SendAcknowledgedAsync(1);
        var heardAt = _controlPlane.Time.GetUtcNow();
        (await LastActivityOf(agent)).Should().Be(connectedAt, "the message itself writes nothing");

        _controlPlane.Time.Advance(SessionMonitor.PresenceWriteInterval);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await LastActivityOf(agent) != heardAt && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            Nudge();
        }

        (await LastActivityOf(agent)).Should().Be(heardAt);
    }

    [Fact]
    public void Silence_is_noticed_at_most_a_tenth_of_an_interval_late_and_never_sweeps_more_often_than_every_100_ms()
    {
        SessionMonitor.SweepPeriod(TimeSpan.FromSeconds(10)).Should().Be(TimeSpan.FromSeconds(1));
        SessionMonitor.SweepPeriod(TimeSpan.FromSeconds(2)).Should().Be(TimeSpan.FromMilliseconds(200));
        SessionMonitor.SweepPeriod(TimeSpan.FromMilliseconds(500)).Should().Be(TimeSpan.FromMilliseconds(100));
        SessionMonitor.SweepPeriod(TimeSpan.FromMinutes(10)).Should().Be(TimeSpan.FromSeconds(1));
    }

    private async Task<string> StatusOf(EnrolledAgent agent) =>
        (string)(await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/agents/{agent.AgentId}"), 200))["status"]!;

    private async Task<DateTimeOffset?> LastActivityOf(EnrolledAgent agent)
    {
        var body = await TestControlPlane.Json(await _controlPlane.Admin().GetAsync($"/api/v1/agents/{agent.AgentId}"), 200);
        return body["lastActivityAt"] is { } value ? DateTimeOffset.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private async Task<string> WaitForStatus(EnrolledAgent agent, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string current;
        while ((current = await StatusOf(agent)) != status && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            Nudge();
        }

        return current;
    }

    /// <summary>
    /// The monitor waits one sweep period at a time; if the clock jumped before it started its next wait, that
    /// wait needs the clock to move once more.
    /// </summary>
    private void Nudge() => _controlPlane.Time.Advance(TimeSpan.FromSeconds(1));
}
