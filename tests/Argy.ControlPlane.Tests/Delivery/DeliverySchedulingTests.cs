using System.Net.Http.Json;
using Argy.ControlPlane.Audit;
using Argy.Protocol.Signing;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class DeliverySchedulingTests
{
    [Fact]
    public async Task A_record_appended_in_process_is_delivered_at_once_without_waiting_for_a_poll()
    {
        // The fake clock never moves: the 10-minute poll never comes, only the in-process wake can deliver.
        await using var host = await DeliveryHost.StartAsync(new Dictionary<string, string?> { ["Argy:Delivery:PollInterval"] = "00:10:00" }, pumpClock: false);
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        await receiver.StartAsync();
        await host.CreateSinkAsync(new { kind = "siem", url = receiver.Url, events = new[] { "deployment.*" } }, receiver);

        for (var i = 1; i <= 3; i++)
        {
            var record = host.Append(new AuditEntry("deployment.failed", "deployment", $"run_{i}"))[0];
            await DeliveryHost.Eventually(() => receiver.Accepted.Any(r => r.EventId == $"evt_{record.Seq}"), $"event {i} is delivered on the wake");
        }

        receiver.Accepted.Should().HaveCount(3).And.OnlyContain(r => r.Check == SignatureCheck.Valid);
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_hold_up_the_other_sinks()
    {
        await using var host = await DeliveryHost.StartAsync(new Dictionary<string, string?> { ["Argy:Delivery:RequestTimeout"] = "00:02:00" });
        await using var hanging = new WebhookReceiver(host.ControlPlane.Time) { Hold = new TaskCompletionSource() };
        await using var healthy = new WebhookReceiver(host.ControlPlane.Time);
        await hanging.StartAsync();
        await healthy.StartAsync();
        await host.CreateSinkAsync(new { kind = "siem", name = "slow", url = hanging.Url, events = new[] { "deployment.*" } }, hanging);
        await host.CreateSinkAsync(new { kind = "webhook", name = "fast", url = healthy.Url, events = new[] { "deployment.*" } }, healthy);

        var first = host.Append(new AuditEntry("deployment.failed", "deployment", "run_1"))[0];
        await DeliveryHost.Eventually(() => hanging.Held == 1, "the slow receiver holds the first event");
        var second = host.Append(new AuditEntry("deployment.failed", "deployment", "run_2"))[0];

        await DeliveryHost.Eventually(() => healthy.Accepted.Count() == 2, "the healthy sink gets both events while the other hangs", seconds: 45);
        hanging.Held.Should().Be(1, "the slow sink is still waiting on its first event");
        healthy.Accepted.Select(r => r.EventId).Should().Equal($"evt_{first.Seq}", $"evt_{second.Seq}");

        hanging.Hold.SetResult();
        await DeliveryHost.Eventually(() => hanging.Accepted.Count() == 2, "the slow sink catches up in order");
        hanging.Accepted.Select(r => r.EventId).Should().Equal($"evt_{first.Seq}", $"evt_{second.Seq}");
    }

    [Fact]
    public async Task Pointing_a_failing_sink_at_a_working_url_delivers_at_once_instead_of_after_its_backoff()
    {
        // A 30-minute backoff is 3 real minutes with the pumped clock: far longer than the test waits.
        await using var host = await DeliveryHost.StartAsync(new Dictionary<string, string?>
        {
            ["Argy:Delivery:InitialBackoff"] = "00:30:00",
            ["Argy:Delivery:MaxBackoff"] = "01:00:00",
        });
        await using var dead = new WebhookReceiver(host.ControlPlane.Time);
        await using var fixedReceiver = new WebhookReceiver(host.ControlPlane.Time);
        await fixedReceiver.StartAsync();
        var (id, _, _) = await host.CreateSinkAsync(new { kind = "siem", url = dead.Url, events = new[] { "deployment.*" } }, fixedReceiver);
        var record = host.Append(new AuditEntry("deployment.failed", "deployment", "run_1"))[0];
        await DeliveryHost.Eventually(async () => (int)(await host.GetSinkAsync(id))["attempts"]! == 1, "the first attempt fails");
        var waiting = await host.GetSinkAsync(id);
        (waiting["nextAttemptAt"]!.GetValue<DateTimeOffset>() - host.ControlPlane.Time.GetUtcNow()).Should().BeGreaterThan(TimeSpan.FromMinutes(10));

        var patched = await host.ControlPlane.Admin().PatchAsJsonAsync($"/api/v1/delivery/sinks/{id}", new { url = fixedReceiver.Url });
        patched.EnsureSuccessStatusCode();

        await DeliveryHost.Eventually(() => fixedReceiver.Accepted.Any(), "the event goes to the new url", seconds: 30);
        fixedReceiver.Accepted.Single().EventId.Should().Be($"evt_{record.Seq}");
        fixedReceiver.Accepted.Single().Check.Should().Be(SignatureCheck.Valid);
    }
}
