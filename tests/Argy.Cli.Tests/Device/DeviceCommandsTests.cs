using Argy.Cli.Tests.Infrastructure;

namespace Argy.Cli.Tests.Device;

public sealed class DeviceCommandsTests : IAsyncLifetime
{
    private DeviceFakeServer _server = null!;

    public async Task InitializeAsync() => _server = await DeviceFakeServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string[] Args(params string[] args) => ["--url", _server.Url, "--token", "argy_pat_x_y", .. args];

    private static object Request(string status, string? agentId = null, string? role = null) => new
    {
        id = "dev_1",
        userCode = "BCDF-GHJK",
        clientId = "argy-agent",
        client = "Argy agent enrollment",
        scope = "agent",
        hostname = "web-07",
        os = "linux",
        arch = "x64",
        version = "0.1.0",
        requestedName = "web-07",
        requestedTags = new[] { "linux" },
        sourceIp = "10.0.0.5",
        status,
        createdAt = "2026-01-01T00:00:00Z",
        expiresAt = "2026-01-01T00:10:00Z",
        agentId,
        role,
    };

    [Fact]
    public async Task Approve_sends_the_code_name_and_tags_and_says_what_was_approved()
    {
        _server.Answer("POST /api/v1/device/approve", 200, Request("Approved", agentId: "agt_1"));

        var result = await CliRunner.RunAsync(Args("device", "approve", "bcdfghjk", "--name", "web-07-prod", "--tags", "linux,prod"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("approved BCDF-GHJK: argy-agent request from host web-07 (10.0.0.5); it receives agent agt_1\n");
        var body = _server.LastBody("POST /api/v1/device/approve");
        ((string)body["userCode"]!).Should().Be("bcdfghjk");
        ((string)body["name"]!).Should().Be("web-07-prod");
        body["tags"]!.AsArray().Select(t => (string)t!).Should().Equal("linux", "prod");
        body["description"].Should().BeNull();
        _server.Requests.Single().Authorization.Should().Be("Bearer argy_pat_x_y");
    }

    [Fact]
    public async Task Deny_sends_the_code()
    {
        _server.Answer("POST /api/v1/device/deny", 200, Request("Denied"));

        var result = await CliRunner.RunAsync(Args("device", "deny", "BCDF-GHJK"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("denied BCDF-GHJK: argy-agent request from host web-07 (10.0.0.5)\n");
    }

    [Fact]
    public async Task Show_prints_what_an_approver_must_check()
    {
        _server.Answer("GET /api/v1/device/requests/BCDF-GHJK", 200, Request("Pending"));

        var result = await CliRunner.RunAsync(Args("device", "show", "BCDF-GHJK"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Contain("client:          Argy agent enrollment (argy-agent)")
            .And.Contain("host:            web-07 (linux/x64, version 0.1.0)")
            .And.Contain("source IP:       10.0.0.5")
            .And.Contain("requested tags:  linux");
    }

    [Fact]
    public async Task A_wrong_code_exits_2_and_a_forbidden_approval_77_with_the_servers_reason()
    {
        _server.Answer("POST /api/v1/device/approve", 404, new { title = "No such request", status = 404, detail = "No pending request has this code." });
        _server.Answer("POST /api/v1/device/approve", 403, new { title = "Forbidden", status = 403, detail = "Approving agents needs the agents:approve permission." });

        var wrong = await CliRunner.RunAsync(Args("device", "approve", "BBBB-BBBB"));
        var forbidden = await CliRunner.RunAsync(Args("device", "approve", "BCDF-GHJK"));

        wrong.ExitCode.Should().Be(2);
        wrong.StdErr.Should().Be("error: No pending request has this code.\n");
        forbidden.ExitCode.Should().Be(77);
        forbidden.StdErr.Should().Contain("agents:approve");
    }

    [Fact]
    public async Task List_prints_the_pending_requests_without_codes()
    {
        _server.Answer("GET /api/v1/device/requests", 200, new { items = new[] { Request("Pending") } });

        var result = await CliRunner.RunAsync(Args("device", "list"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().StartWith("ID     CLIENT      HOST    SOURCE IP  NAME    TAGS   EXPIRES\n")
            .And.Contain("dev_1  argy-agent  web-07  10.0.0.5   web-07  linux")
            .And.NotContain("BCDF");
    }
}
