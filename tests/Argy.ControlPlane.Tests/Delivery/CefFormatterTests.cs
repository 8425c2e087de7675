using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Delivery;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class CefFormatterTests
{
    private const string Tricky =
        "He said \"hi\", then left | a pipe \\ a backslash \\\\ two = equals == two\nnew line\r\nCRLF \\n not a newline ünïcødé 日本 🎉 key=value cs1=evil trailing ";

    private static AuditRecord Record(string detail = "Deployment run_1 failed.", string action = "deployment.failed", string outcome = AuditOutcome.Failure) => new()
    {
        Seq = 42,
        TenantId = "ten_abc",
        OrgId = "org_1",
        At = 1767225600123,
        Action = action,
        Outcome = outcome,
        ActorType = AuditActorType.User,
        Actor = "DOMAIN\\ada=admin",
        ResourceType = "deployment",
        ResourceId = "run_1",
        SourceIp = "192.0.2.7",
        UserAgent = "curl/8.0 (x|y; a=b)",
        CorrelationId = "corr-1",
        Detail = detail,
        Data = "{\"exitCode\":\"3\",\"note\":\"a \\\"quoted\\\" = value, with commas\"}",
    };

    [Fact]
    public void Tricky_values_parse_back_exactly_with_an_independent_parser()
    {
        var record = Record(Tricky);

        var line = CefFormatter.Format(record);
        var cef = CefParser.Parse(line);

        cef.Version.Should().Be("0");
        cef.Vendor.Should().Be("Argy");
        cef.Product.Should().Be("Argy Control Plane");
        cef.SignatureId.Should().Be("deployment.failed");
        // Header fields cannot hold line breaks: they become spaces; pipes and backslashes survive.
        cef.Name.Should().Be(Tricky.Replace("\r", " ").Replace("\n", " "));
        cef.Severity.Should().Be("6");
        var ext = cef.Extension;
        ext["msg"].Should().Be(Tricky);
        ext["rt"].Should().Be("1767225600123");
        ext["externalId"].Should().Be("evt_42");
        ext["act"].Should().Be("deployment.failed");
        ext["outcome"].Should().Be("failure");
        ext["suser"].Should().Be("DOMAIN\\ada=admin");
        ext["src"].Should().Be("192.0.2.7");
        ext["requestClientApplication"].Should().Be("curl/8.0 (x|y; a=b)");
        ext["cs1Label"].Should().Be("tenant");
        ext["cs1"].Should().Be("ten_abc");
        ext["cs2"].Should().Be("org_1");
        ext["cs3"].Should().Be("user");
        ext["cs4"].Should().Be("deployment");
        ext["cs5"].Should().Be("run_1");
        ext["cs6"].Should().Be("corr-1");
        ext["flexString1"].Should().Be(record.Data);
    }

    [Fact]
    public void Extension_values_escape_backslash_equals_and_line_breaks_but_not_pipes()
    {
        var line = CefFormatter.Format(Record("a|b\\c=d\ne\rf"));

        line.Should().Contain(@"msg=a|b\\c\=d\ne\rf ");
        line.Should().NotContain("\n").And.NotContain("\r");
        line.Should().StartWith(@"CEF:0|Argy|Argy Control Plane|");
        line.Should().Contain(@"|deployment.failed|a\|b\\c=d e f|6|rt=1767225600123 ");
    }

    [Theory]
    [InlineData("agent.revoked", AuditOutcome.Success, 8)]
    [InlineData("deployment.submitted", AuditOutcome.Denied, 7)]
    [InlineData("deployment.failed", AuditOutcome.Success, 6)]
    [InlineData("agent.auth.rejected", AuditOutcome.Failure, 6)]
    [InlineData("team.deleted", AuditOutcome.Success, 5)]
    [InlineData("deployment.submitted", AuditOutcome.Success, 3)]
    public void Severity_follows_the_documented_mapping(string action, string outcome, int severity)
    {
        var severityText = CefParser.Parse(CefFormatter.Format(Record(action: action, outcome: outcome))).Severity;

        int.Parse(severityText, System.Globalization.CultureInfo.InvariantCulture).Should().Be(severity).And.BeInRange(0, 10);
    }

    [Fact]
    public void Empty_fields_are_left_out_and_content_never_leaves()
    {
        var record = new AuditRecord { Seq = 7, TenantId = "ten_x", At = 1, Action = "user.created", Outcome = "success", Actor = "system", Content = "secret-content"u8.ToArray() };

        var cef = CefParser.Parse(CefFormatter.Format(record));
        var json = System.Text.Encoding.UTF8.GetString(DeliveryEvent.ToJson(record));

        cef.Name.Should().Be("user.created");
        cef.Extension.Keys.Should().NotContain(["src", "requestClientApplication", "msg", "cs2", "cs4", "cs5", "cs6", "flexString1"]);
        json.Should().NotContain("secret-content").And.NotContain("content");
    }

    [Fact]
    public void The_json_event_carries_the_documented_fields()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(DeliveryEvent.ToJson(Record(Tricky)))!.AsObject();

        ((string)json["id"]!).Should().Be("evt_42");
        ((long)json["seq"]!).Should().Be(42);
        ((string)json["tenant"]!).Should().Be("ten_abc");
        ((string)json["org"]!).Should().Be("org_1");
        ((string)json["at"]!).Should().Be("2026-01-01T00:00:00.123Z");
        ((string)json["action"]!).Should().Be("deployment.failed");
        ((string)json["outcome"]!).Should().Be("failure");
        ((string)json["actor"]!["type"]!).Should().Be("user");
        ((string)json["actor"]!["id"]!).Should().Be("DOMAIN\\ada=admin");
        ((string)json["resource"]!["type"]!).Should().Be("deployment");
        ((string)json["resource"]!["id"]!).Should().Be("run_1");
        ((string)json["sourceIp"]!).Should().Be("192.0.2.7");
        ((string)json["userAgent"]!).Should().Be("curl/8.0 (x|y; a=b)");
        ((string)json["correlationId"]!).Should().Be("corr-1");
        ((string)json["detail"]!).Should().Be(Tricky);
        ((string)json["data"]!["note"]!).Should().Be("a \"quoted\" = value, with commas");
    }

    [Fact]
    public void The_parser_refuses_unescaped_separators()
    {
        var act = () => CefParser.Parse("CEF:0|a|b|c|d|e|3|msg=x=y");
        var pipe = () => CefParser.Parse("CEF:0|a|b|c|d|e");

        act.Should().Throw<FormatException>();
        pipe.Should().Throw<FormatException>();
    }
}
