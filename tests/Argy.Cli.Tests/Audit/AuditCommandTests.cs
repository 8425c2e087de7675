using System.Text;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Audit;

/// <summary><c>argy audit</c> against a small fake of the control plane's audit endpoints.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private const string Csv = "seq,at,detail\r\n1,2025-06-01T12:00:00.000Z,\"a, \"\"quoted\"\"\r\nvalue\"\r\n2,2025-06-01T12:00:01.000Z,ünïcødé\r\n";

    private FakeApi _api = null!;
    private bool _broken;

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync(app =>
    {
        app.MapGet("/api/v1/audit-events/verify", () => _broken
            ? Results.Json(new { ok = false, @checked = 41, unchained = 0, anchorSeq = (long?)null, firstBroken = new { seq = 42, reason = "hash_mismatch", detail = "its hash does not match its fields (the record was edited)" } })
            : Results.Json(new { ok = true, @checked = 120, unchained = 0, anchorSeq = 17, firstBroken = (object?)null }));
        app.MapGet("/api/v1/audit-events/export", async (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer t")
            {
                await Results.Problem(title: "Forbidden", detail: "The token lacks audit:read.", statusCode: 403).ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "text/csv";
            // Two writes with a flush between: the CLI copies what arrives, it does not wait for a length.
            var bytes = Encoding.UTF8.GetBytes(Csv);
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, 20));
            await context.Response.Body.FlushAsync();
            await context.Response.Body.WriteAsync(bytes.AsMemory(20));
        });
        app.MapGet("/api/v1/audit-events", () => Results.Json(new
        {
            items = new object[]
            {
                new { seq = 9, at = "2025-06-01T12:00:00.123+00:00", actorType = "user", actor = "usr_1", action = "product.created", resourceType = "product", resourceId = "prd_1", outcome = "success", sourceIp = "10.0.0.1" },
                new { seq = 8, at = "2025-06-01T11:00:00+00:00", actorType = "system", actor = "system", action = "audit.purged", resourceType = (string?)null, resourceId = (string?)null, outcome = "success", sourceIp = (string?)null },
            },
            nextCursor = "8",
        }));
    });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Verify_exits_0_and_says_how_many_records_verified_when_the_chain_is_intact()
    {
        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "verify");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("audit chain ok: 120 record(s) verified from the retention anchor at record 17\n");
    }

    [Fact]
    public async Task Verify_exits_1_with_one_line_naming_the_first_broken_record()
    {
        _broken = true;

        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "verify");

        result.ExitCode.Should().Be(1);
        result.StdOut.Should().BeEmpty();
        result.StdErr.Should().Be("audit chain broken at record 42: its hash does not match its fields (the record was edited)\n");
    }

    [Fact]
    public async Task Export_streams_the_body_to_stdout_byte_for_byte_with_the_filters()
    {
        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "export", "--period", "7d", "--action", "deployment.*", "--actor", "usr 1");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOutBytes.Should().Equal(Encoding.UTF8.GetBytes(Csv));
        _api.Requests.Select(r => r.Line).Should().Contain("GET /api/v1/audit-events/export?period=7d&actor=usr%201&action=deployment.%2A&format=csv");
    }

    [Fact]
    public async Task Export_to_a_file_writes_it_whole_and_a_refused_export_leaves_no_file()
    {
        var directory = Path.Combine(Path.GetTempPath(), "argy-cli-audit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var file = Path.Combine(directory, "audit.jsonl");
            var ok = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "export", "--format", "jsonl", "-o", file);
            var refusedFile = Path.Combine(directory, "refused.csv");
            var refused = await CliRunner.RunAsync("--url", _api.Url, "--token", "other", "audit", "export", "-o", refusedFile);

            ok.ExitCode.Should().Be(0, ok.StdErr);
            (await File.ReadAllBytesAsync(file)).Should().Equal(Encoding.UTF8.GetBytes(Csv));
            _api.Requests.Select(r => r.Line).Should().Contain("GET /api/v1/audit-events/export?format=jsonl");
            refused.ExitCode.Should().Be(77);
            refused.StdErr.Should().Contain("The token lacks audit:read.");
            Directory.GetFiles(directory).Select(Path.GetFileName).Should().Equal("audit.jsonl");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_export_format_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "export", "--format", "xml");

        result.ExitCode.Should().Be(2);
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task List_prints_a_table_and_where_the_next_page_starts()
    {
        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "audit", "list", "--outcome", "success", "--limit", "2");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be(
            "SEQ  TIME                 ACTOR          ACTION           RESOURCE       OUTCOME  SOURCE\n" +
            "9    2025-06-01 12:00:00  user:usr_1     product.created  product/prd_1  success  10.0.0.1\n" +
            "8    2025-06-01 11:00:00  system:system  audit.purged     -              success  -\n");
        result.StdErr.Should().Be("more: --cursor 8\n");
        _api.Requests.Select(r => r.Line).Should().Contain("GET /api/v1/audit-events?outcome=success&limit=2");
    }
}
