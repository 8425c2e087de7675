using Argy.Cli.Tests.Infrastructure;

namespace Argy.Cli.Tests;

public sealed class DeploymentsTests
{
    [Fact]
    public async Task Logs_without_follow_reads_once_and_splits_streams()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { Chunks = [FakeChunk.Out("a\n"), FakeChunk.Err("b\n")] });

        var result = await CliRunner.RunAsync(server.CliArgs("deployments", "logs", "run_0001"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("a\n");
        result.StdErr.Should().Be("b\n");
        server.Requests.Should().Contain("GET /api/v1/deployments/run_0001/logs?follow=false");
    }

    [Fact]
    public async Task Logs_follow_resumes_after_a_drop()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            Chunks = [FakeChunk.Out("1\n"), FakeChunk.Out("2\n"), FakeChunk.Out("3\n")],
            DropFirstFollowAfter = 1,
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deployments", "logs", "run_0001", "--follow"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("1\n2\n3\n");
    }

    [Fact]
    public async Task Get_shows_the_run_and_json_prints_it_verbatim()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { FinalStatus = "Failed", ExitCode = 3 });

        var human = await CliRunner.RunAsync(server.CliArgs("deployments", "get", "run_0001"));
        var json = await CliRunner.RunAsync(server.CliArgs("deployments", "get", "run_0001", "--json"));

        human.StdOut.Should().Contain("status:    Failed").And.Contain("exit code: 3");
        json.StdOut.Should().StartWith("{\"runId\":\"run_0001\"");
    }

    [Fact]
    public async Task List_passes_the_status_filter_in_canonical_case()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("deployments", "list", "--status", "running"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().StartWith("RUN").And.Contain("run_0001  web");
        server.Requests.Should().Contain("GET /api/v1/deployments?status=Running&limit=50");
    }

    [Fact]
    public async Task Cancel_posts_the_cancel_request()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("deployments", "cancel", "run_0001"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be("run run_0001: cancellation requested (status: Running)\n");
    }
}
