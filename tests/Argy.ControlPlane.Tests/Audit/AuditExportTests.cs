using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Tests.Support;
using CsvHelper;

namespace Argy.ControlPlane.Tests.Audit;

public sealed class AuditExportTests : IAsyncLifetime
{
    private static readonly string[] Tricky =
    [
        "He said \"hi\", then left",
        "line one\nline two\r\nline three\rline four",
        "pipe|separated|values",
        @"C:\path\to\file\ and \\server\share\",
        "=SUM(A1:A9)",
        "+cmd|' /C calc'!A0",
        "ünïcødé — 日本語 — emoji 🚀",
        "  leading and trailing spaces  ",
        "tab\there; semi;colon",
        "\"",
        ",",
        "\"quoted, with comma\"",
        "",
    ];

    private TestControlPlane _cp = null!;

    public async Task InitializeAsync()
    {
        _cp = await TestControlPlane.StartAsync();
        foreach (var (value, i) in Tricky.Select((v, i) => (v, i)))
        {
            _cp.Append(
                new AuditEntry("config.changed", "setting", value, Detail: value, Data: new Dictionary<string, string?> { ["value"] = value, ["n"] = i.ToString(CultureInfo.InvariantCulture) }, Content: value),
                actor: new AuditActor(AuditActorType.User, "usr_" + i));
            _cp.Time.Advance(TimeSpan.FromMilliseconds(1234));
        }
    }

    public async Task DisposeAsync() => await _cp.DisposeAsync();

    [Fact]
    public async Task A_csv_export_parses_back_with_an_independent_RFC_4180_parser_to_exactly_the_stored_values()
    {
        var response = await _cp.Admin().GetAsync("/api/v1/audit-events/export?format=csv&action=config.changed");
        ((int)response.StatusCode).Should().Be(200);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);

        text.Should().StartWith("seq,at,tenantId,orgId,actorType,actor,action,outcome,resourceType,resourceId,subject,sourceIp,userAgent,correlationId,detail,data,content,contentKeyId,prevHash,hash\r\n");
        text.Should().EndWith("\r\n");
        var listed = await ListedAsync();

        // The separator is given: detection could pick the pipes or semicolons of the values.
        using var reader = CsvReader.Create(bytes, CsvReaderOptions.Default with
        {
            Separator = ',', Mode = CsvMode.Rfc4180, HasHeader = true, AllowLineBreaksInQuotes = true, TrimWhitespace = false,
            SkipEmptyLines = false, MalformedData = CsvMalformedDataHandling.Throw, FieldCountMismatch = CsvFieldCountHandling.Throw,
        });
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            rows.Add(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)));
        }

        rows.Should().HaveCount(Tricky.Length);
        for (var i = 0; i < Tricky.Length; i++)
        {
            var row = rows[i];
            var item = listed[(string)row["seq"]];
            row["detail"].Should().Be(Tricky[i]);
            row["resourceId"].Should().Be(Tricky[i]);
            row["content"].Should().Be(Tricky[i]);
            ((string)JsonNode.Parse(row["data"])!["value"]!).Should().Be(Tricky[i]);
            row["actor"].Should().Be("usr_" + i);
            row["actorType"].Should().Be("user");
            row["tenantId"].Should().Be(_cp.TenantId);
            row["hash"].Should().Be((string)item["hash"]!);
            row["prevHash"].Should().Be((string)item["prevHash"]!);
            DateTimeOffset.Parse(row["at"], CultureInfo.InvariantCulture).Should().Be(DateTimeOffset.Parse((string)item["at"]!, CultureInfo.InvariantCulture));
            row["orgId"].Should().BeEmpty();
        }
    }

    [Fact]
    public async Task A_json_lines_export_has_one_object_per_record_oldest_first_with_the_stored_values()
    {
        var response = await _cp.Admin().GetAsync("/api/v1/audit-events/export?format=jsonl&action=config.*");
        ((int)response.StatusCode).Should().Be(200);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/x-ndjson");
        var text = await response.Content.ReadAsStringAsync();

        var lines = text.Split('\n');
        lines[^1].Should().BeEmpty("every line ends in a newline");
        var objects = lines[..^1].Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        objects.Should().HaveCount(Tricky.Length);
        objects.Select(o => (long)o["seq"]!).Should().BeInAscendingOrder();
        for (var i = 0; i < Tricky.Length; i++)
        {
            ((string)objects[i]["detail"]!).Should().Be(Tricky[i]);
            ((string)objects[i]["content"]!).Should().Be(Tricky[i]);
            ((string)objects[i]["data"]!["value"]!).Should().Be(Tricky[i]);
            ((string)objects[i]["at"]!).Should().EndWith("Z");
        }
    }

    [Fact]
    public async Task An_export_takes_the_same_filters_as_the_list()
    {
        var text = await (await _cp.Admin().GetAsync("/api/v1/audit-events/export?format=jsonl&actor=usr_2")).Content.ReadAsStringAsync();
        var none = await (await _cp.Admin().GetAsync("/api/v1/audit-events/export?format=csv&outcome=denied")).Content.ReadAsStringAsync();

        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Contain("\"actor\":\"usr_2\"");
        none.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("only the header remains");
    }

    [Fact]
    public async Task An_unknown_format_is_refused()
    {
        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync("/api/v1/audit-events/export?format=xml"), 400);

        body["errors"]!.AsObject().ContainsKey("format").Should().BeTrue();
    }

    private async Task<Dictionary<string, JsonObject>> ListedAsync()
    {
        var body = await TestControlPlane.Json(await _cp.Admin().GetAsync("/api/v1/audit-events?limit=1000&action=config.changed"), 200);
        return body["items"]!.AsArray().Select(i => i!.AsObject()).ToDictionary(i => ((long)i["seq"]!).ToString(CultureInfo.InvariantCulture));
    }
}
