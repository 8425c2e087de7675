using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.Protocol.Signing;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class SiemDeliveryTests
{
    [Fact]
    public async Task A_siem_that_is_down_then_failing_then_up_receives_every_event_once_in_order_with_valid_signatures()
    {
        await using var host = await DeliveryHost.StartAsync();
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        var (id, secret, _) = await host.CreateSinkAsync(new { kind = "siem", name = "soc", url = receiver.Url, format = "json", events = new[] { "deployment.*" } }, receiver);
        secret.Should().StartWith("whsec_");
        var other = host.CreateTenant("other");
        var expected = new List<AuditRecord>();

        void Produce(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                expected.AddRange(host.Append(new AuditEntry("deployment.submitted", "deployment", $"run_{i}", Detail: $"Deployment {i} submitted.")));
                host.Append(other, new AuditEntry("deployment.submitted", "deployment", $"other_{i}", Detail: "Another tenant's deployment."));
                host.Append(new AuditEntry("agent.created", "agent", $"agt_{i}", Detail: "Filtered out."));
            }
        }

        // Down: nothing listens on the receiver's port.
        Produce(0, 20);
        await DeliveryHost.Eventually(async () => (string?)(await host.GetSinkAsync(id))["lastError"] is not null, "the sink reports the refused connection");
        var down = await host.GetSinkAsync(id);
        ((long)down["cursorSeq"]!).Should().BeLessThan(expected[0].Seq, "nothing was delivered");
        ((int)down["attempts"]!).Should().BePositive();
        ((long)down["pending"]!).Should().BeGreaterThanOrEqualTo(40);

        // Up, but answering 503, then refusing with 400 (which is retried too: nothing is ever skipped).
        receiver.Status = 503;
        await receiver.StartAsync();
        Produce(20, 30);
        await DeliveryHost.Eventually(() => receiver.Requests.Count(r => r.AnsweredStatus == 503) >= 3, "retries reach the failing receiver");
        receiver.Status = 400;
        Produce(30, 35);
        await DeliveryHost.Eventually(() => receiver.Requests.Count(r => r.AnsweredStatus == 400) >= 3, "retries continue through a 4xx");
        receiver.Requests.Where(r => r.AnsweredStatus != 200).Select(r => r.EventId).Distinct().Should().Equal([$"evt_{expected[0].Seq}"],
            "the head event is retried first and nothing after it is sent");

        // Healthy.
        receiver.Status = 200;
        Produce(35, 40);
        await DeliveryHost.Eventually(async () => (long)(await host.GetSinkAsync(id))["cursorSeq"]! >= expected[^1].Seq, "every event is delivered");

        var accepted = receiver.Accepted.ToList();
        accepted.Select(r => r.EventId).Should().Equal(expected.Select(r => $"evt_{r.Seq}"), "each event arrives once, in seq order, and only this tenant's");
        accepted.Should().OnlyContain(r => r.Check == SignatureCheck.Valid);
        foreach (var (delivery, record) in accepted.Zip(expected))
        {
            var json = JsonNode.Parse(delivery.Body)!.AsObject();
            ((string)json["id"]!).Should().Be(delivery.EventId);
            ((long)json["seq"]!).Should().Be(record.Seq);
            ((string)json["tenant"]!).Should().Be(host.ControlPlane.TenantId);
            ((string)json["resource"]!["id"]!).Should().Be(record.ResourceId);
            delivery.ContentType.Should().StartWith("application/json");
        }

        var healthy = await host.GetSinkAsync(id);
        ((int)healthy["attempts"]!).Should().Be(0);
        healthy["lastError"].Should().BeNull();
        healthy["lastDeliveredAt"].Should().NotBeNull();
    }

    [Fact]
    public async Task A_tampered_body_or_a_wrong_secret_does_not_verify_at_the_receiver()
    {
        await using var host = await DeliveryHost.StartAsync();
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        await receiver.StartAsync();
        var (_, secret, sink) = await host.CreateSinkAsync(new { kind = "siem", url = receiver.Url, events = new[] { "deployment.*" } }, receiver);
        receiver.Key = new SigningKey((string)sink["keyId"]!, secret + "x");

        var record = host.Append(new AuditEntry("deployment.failed", "deployment", "run_1"))[0];

        await DeliveryHost.Eventually(() => !receiver.Requests.IsEmpty, "the event arrives");
        var delivery = receiver.Requests.First();
        delivery.EventId.Should().Be($"evt_{record.Seq}");
        delivery.Check.Should().Be(SignatureCheck.BadSignature, "the receiver holds a different secret");
    }

    [Fact]
    public async Task A_cef_sink_sends_lines_that_parse_back_to_the_record()
    {
        await using var host = await DeliveryHost.StartAsync();
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        await receiver.StartAsync();
        var (id, _, _) = await host.CreateSinkAsync(new { kind = "siem", url = receiver.Url, format = "cef", events = new[] { "deployment.*" } }, receiver);
        const string detail = "Script said \"no\", exit=3 | see C:\\logs\\run.txt\nsecond line ✓ 日本";

        var record = host.Append(new AuditEntry("deployment.failed", "deployment", "run_7", AuditOutcome.Failure, detail,
            new Dictionary<string, string?> { ["exitCode"] = "3", ["note"] = "a=b, c|d" }))[0];

        await DeliveryHost.Eventually(() => receiver.Accepted.Any(), "the event arrives");
        var delivery = receiver.Accepted.Single();
        delivery.Check.Should().Be(SignatureCheck.Valid);
        delivery.ContentType.Should().StartWith("text/plain");
        var cef = CefParser.Parse(delivery.Body);
        cef.SignatureId.Should().Be("deployment.failed");
        cef.Severity.Should().Be("6");
        cef.Extension["msg"].Should().Be(detail);
        cef.Extension["externalId"].Should().Be(delivery.EventId).And.Be($"evt_{record.Seq}");
        cef.Extension["rt"].Should().Be(record.At.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cef.Extension["cs1"].Should().Be(host.ControlPlane.TenantId);
        cef.Extension["cs5"].Should().Be("run_7");
        JsonNode.Parse(cef.Extension["flexString1"])!["note"]!.ToString().Should().Be("a=b, c|d");
        await DeliveryHost.Eventually(async () => (long)(await host.GetSinkAsync(id))["cursorSeq"]! == record.Seq, "the cursor moves to the event");
    }

    [Fact]
    public async Task A_notification_webhook_gets_only_the_notification_events_and_moves_past_the_others()
    {
        await using var host = await DeliveryHost.StartAsync();
        await using var receiver = new WebhookReceiver(host.ControlPlane.Time);
        await receiver.StartAsync();
        var (id, _, sink) = await host.CreateSinkAsync(new { kind = "webhook", name = "chat", url = receiver.Url }, receiver);
        sink["events"]!.AsArray().Select(e => (string)e!).Should().Contain(["deployment.failed", "quota.exceeded", "user.invited", "user.provisioned", "deployment.approval_requested"]);

        var records = host.Append(
            new AuditEntry("deployment.submitted", "deployment", "run_1"),
            new AuditEntry("deployment.failed", "deployment", "run_1", AuditOutcome.Failure),
            new AuditEntry("user.provisioned", "user", "usr_1"),
            new AuditEntry("agent.revoked", "agent", "agt_1"),
            new AuditEntry("deployment.approval_requested", "deployment", "run_2"),
            new AuditEntry("quota.exceeded", "quota", "deployments", AuditOutcome.Denied),
            new AuditEntry("llm.credits.threshold_crossed", "llm_credits", null),
            new AuditEntry("team.created", "team", "team_1"));

        await DeliveryHost.Eventually(async () => (long)(await host.GetSinkAsync(id))["cursorSeq"]! == records[^1].Seq, "the cursor moves past the last, unmatched record");
        receiver.Accepted.Select(r => (string)JsonNode.Parse(r.Body)!["action"]!).Should().Equal(
            "deployment.failed", "user.provisioned", "deployment.approval_requested", "quota.exceeded", "llm.credits.threshold_crossed");
        receiver.Accepted.Should().OnlyContain(r => r.Check == SignatureCheck.Valid);
        ((long)(await host.GetSinkAsync(id))["pending"]!).Should().Be(0);
    }
}
