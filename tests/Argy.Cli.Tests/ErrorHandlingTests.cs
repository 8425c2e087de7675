using System.Net;
using System.Net.Sockets;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests;

public sealed class ErrorHandlingTests
{
    [Fact]
    public async Task Validation_problem_exits_2_and_prints_the_detail_and_each_field_error()
    {
        await using var server = await FakeControlPlane.StartAsync();
        server.ForcedAnswer = Results.ValidationProblem(
            new Dictionary<string, string[]> { ["product"] = ["unknown product 'nope'"], ["timeoutSeconds"] = ["must be at most 86400"] },
            detail: "the deployment request is invalid");

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "nope", "--", "true"));

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be(
            "error: the deployment request is invalid\n  product: unknown product 'nope'\n  timeoutSeconds: must be at most 86400\n");
    }

    [Fact]
    public async Task Problem_without_detail_prints_its_title()
    {
        await using var server = await FakeControlPlane.StartAsync();
        server.ForcedAnswer = Results.Problem(title: "Conflict: agent already revoked", statusCode: 409);

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "revoke", "agt_0001"));

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be("error: Conflict: agent already revoked\n");
    }

    [Fact]
    public async Task Unknown_run_exits_2_with_the_not_found_detail()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("deployments", "get", "run_missing"));

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be("error: no run with id run_missing\n");
    }

    [Fact]
    public async Task Rejected_token_exits_77()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync("--url", server.Url, "--token", "wrong", "agents", "list");

        result.ExitCode.Should().Be(77);
        result.StdErr.Should().Be("error: missing or invalid API token\n");
    }

    [Fact]
    public async Task Forbidden_exits_77()
    {
        await using var server = await FakeControlPlane.StartAsync();
        server.ForcedAnswer = Results.Problem(detail: "admins only", statusCode: 403);

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "create", "--name", "x"));

        result.ExitCode.Should().Be(77);
        result.StdErr.Should().Be("error: admins only\n");
    }

    [Fact]
    public async Task Server_error_without_problem_body_prints_the_status_and_exits_1()
    {
        await using var server = await FakeControlPlane.StartAsync();
        server.ForcedAnswer = Results.Text("oops", statusCode: 500);

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "list"));

        result.ExitCode.Should().Be(1);
        result.StdErr.Should().Be("error: HTTP 500 Internal Server Error\n");
    }

    [Fact]
    public async Task Unreachable_control_plane_exits_69()
    {
        var url = $"http://127.0.0.1:{FreePort()}";

        var result = await CliRunner.RunAsync("--url", url, "agents", "list");

        result.ExitCode.Should().Be(69);
        result.StdErr.Should().StartWith($"error: cannot reach the control plane at {url}: ");
        result.StdErr.Should().NotContain("   at ");
    }

    [Fact]
    public async Task Missing_url_exits_2_with_one_line()
    {
        var result = await CliRunner.RunAsync("agents", "list");

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be("error: no control plane URL: pass --url or set ARGY_URL\n");
    }

    [Fact]
    public async Task Url_and_token_come_from_the_environment_and_flags_win_over_it()
    {
        await using var server = await FakeControlPlane.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["ARGY_URL"] = $"http://127.0.0.1:{FreePort()}",
            ["ARGY_TOKEN"] = FakeControlPlane.Token,
        };

        var fromFlag = await CliRunner.RunAsync(["--url", server.Url, "agents", "list"], environment, CancellationToken.None);
        var fromEnvironment = await CliRunner.RunAsync(["agents", "list"], environment, CancellationToken.None);

        fromFlag.ExitCode.Should().Be(0, fromFlag.StdErr);
        fromEnvironment.ExitCode.Should().Be(69);
    }

    [Theory]
    [InlineData("deploy", "--url", "http://x", "--", "true")]
    [InlineData("deploy", "--url", "http://x", "--product", "web", "--timeout", "5x", "--", "true")]
    [InlineData("--url", "ftp://x", "agents", "list")]
    [InlineData("agents", "frobnicate")]
    public async Task Malformed_command_lines_exit_2(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().StartWith("error: ");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
