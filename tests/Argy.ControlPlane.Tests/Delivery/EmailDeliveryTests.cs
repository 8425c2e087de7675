using Argy.ControlPlane.Audit;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class EmailDeliveryTests
{
    [Fact]
    public async Task An_email_sink_delivers_every_notification_once_after_the_smtp_server_comes_back()
    {
        await using var smtp = new LoopbackSmtpServer();
        await using var host = await DeliveryHost.StartAsync(new Dictionary<string, string?>
        {
            ["Argy:Email:Mode"] = "Smtp",
            ["Argy:Email:From"] = "Argy <argy@example.com>",
            ["Argy:Email:Smtp:Host"] = "127.0.0.1",
            ["Argy:Email:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Argy:Email:Smtp:Security"] = "None",
            ["Argy:Email:Smtp:Timeout"] = "00:00:05",
        });
        var (id, _, _) = await host.CreateSinkAsync(new { kind = "email", name = "ops mail", recipients = new[] { "ops@example.com", "oncall@example.com" } });

        var records = host.Append(
            new AuditEntry("deployment.failed", "deployment", "run_1", AuditOutcome.Failure, "Deployment run_1 failed with exit code 3."),
            new AuditEntry("deployment.submitted", "deployment", "run_2"),
            new AuditEntry("user.provisioned", "user", "usr_1", Detail: "User ada@example.com provisioned."),
            new AuditEntry("llm.credits.threshold_crossed", "llm_credits", null, Detail: "80% of the monthly LLM credits used.",
                Data: new Dictionary<string, string?> { ["threshold"] = "80", ["recipients"] = "finance@example.com, ops@example.com, not an address" }),
            new AuditEntry("deployment.approval_requested", "deployment", "run_3", Detail: "Deployment run_3 waits for approval."));
        var expected = records.Where(r => r.Action != "deployment.submitted").ToList();

        await DeliveryHost.Eventually(async () => (string?)(await host.GetSinkAsync(id))["lastError"] is not null, "the sink reports the SMTP server down");
        smtp.Start();
        await DeliveryHost.Eventually(async () => (long)(await host.GetSinkAsync(id))["cursorSeq"]! >= records[^1].Seq, "every notification is sent");

        var mails = smtp.Messages.ToList();
        mails.Select(m => m.Message.Headers["X-Argy-Event-Id"]).Should().Equal(expected.Select(r => $"evt_{r.Seq}"), "each event is mailed once, in order");
        mails[0].Message.Subject.Should().Be("[Argy] Deployment failed: Deployment run_1 failed with exit code 3.");
        mails[0].Message.TextBody.Should().Contain("Deployment run_1 failed with exit code 3.").And.Contain("run_1");
        mails[0].Recipients.Should().BeEquivalentTo(["ops@example.com", "oncall@example.com"]);
        mails[2].Recipients.Should().BeEquivalentTo(["ops@example.com", "oncall@example.com", "finance@example.com"],
            "a credits threshold also goes to the recipients the record names");
        mails[2].Message.TextBody.Should().Contain("threshold:").And.NotContain("not an address");
        mails.Should().OnlyContain(m => m.Message.From.ToString().Contains("argy@example.com"));
        var sink = await host.GetSinkAsync(id);
        sink["lastError"].Should().BeNull();
    }
}
