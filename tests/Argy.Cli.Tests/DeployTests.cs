using Argy.Cli.Tests.Infrastructure;

namespace Argy.Cli.Tests;

public sealed class DeployTests
{
    [Fact]
    public async Task Successful_run_streams_stdout_and_stderr_chunks_and_exits_0()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            Chunks = [FakeChunk.System("job started\n"), FakeChunk.Out("hello\n"), FakeChunk.Err("warning\n"), FakeChunk.Out("bye\n")],
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "echo", "hello"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be("hello\nbye\n");
        result.StdErr.Should().Be("run run_0001 queued\njob started\nwarning\nrun run_0001 succeeded in 1.5s\n");
    }

    [Fact]
    public async Task Request_carries_command_tags_env_secrets_and_timeout_in_seconds()
    {
        await using var server = await FakeControlPlane.StartAsync();
        var environment = new Dictionary<string, string> { ["DB_PASSWORD"] = "from-env" };

        var result = await CliRunner.RunAsync(
            server.CliArgs("deploy", "--product", "web", "--tags", "linux,eu", "--env", "MODE=blue=green",
                "--secret", "DB_PASSWORD", "--timeout", "30m", "--", "sh", "-c", "echo @x --flag"),
            environment, CancellationToken.None);

        result.ExitCode.Should().Be(0, result.StdErr);
        var sent = server.LastDeploymentRequest!;
        sent["product"]!.GetValue<string>().Should().Be("web");
        sent["command"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("sh", "-c", "echo @x --flag");
        sent["script"].Should().BeNull();
        sent["tags"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("linux", "eu");
        sent["env"]!["MODE"]!.GetValue<string>().Should().Be("blue=green");
        sent["secrets"]!["DB_PASSWORD"]!.GetValue<string>().Should().Be("from-env");
        sent["timeoutSeconds"]!.GetValue<int>().Should().Be(1800);
    }

    [Fact]
    public async Task Script_is_sent_instead_of_a_command()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--script", "echo hi"));

        result.ExitCode.Should().Be(0, result.StdErr);
        server.LastDeploymentRequest!["script"]!.GetValue<string>().Should().Be("echo hi");
        server.LastDeploymentRequest["command"].Should().BeNull();
    }

    [Theory]
    [InlineData("neither")]
    [InlineData("both")]
    public async Task Exactly_one_of_command_or_script_is_required_else_exit_2(string given)
    {
        string[] jobArgs = given == "both" ? ["--script", "echo hi", "--", "echo", "hi"] : [];
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs(["deploy", "--product", "web", .. jobArgs]));

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Contain("exactly one of");
        server.LastDeploymentRequest.Should().BeNull();
    }

    [Fact]
    public async Task Failed_job_with_exit_code_3_makes_the_cli_exit_3()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            FinalStatus = "Failed", ExitCode = 3, Message = "exited with code 3", Chunks = [FakeChunk.Err("boom\n")],
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "false"));

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().EndWith("boom\nrun run_0001 failed: exited with code 3\n");
    }

    [Fact]
    public async Task Failed_job_without_exit_code_makes_the_cli_exit_1()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { FinalStatus = "Failed", Message = "agent lost" });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "true"));

        result.ExitCode.Should().Be(1);
        result.StdErr.Should().EndWith("run run_0001 failed: agent lost\n");
    }

    [Theory]
    [InlineData("TimedOut", 124, "run run_0001 timed out")]
    [InlineData("Cancelled", 130, "run run_0001 was cancelled")]
    public async Task Run_ending_without_finishing_maps_to_shell_exit_codes(string status, int exitCode, string summary)
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { FinalStatus = status });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "sleep", "9"));

        result.ExitCode.Should().Be(exitCode);
        result.StdErr.Should().EndWith(summary + "\n");
    }

    [Fact]
    public async Task No_wait_prints_only_the_run_id_and_does_not_read_logs()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { FinalStatus = "Failed", ExitCode = 9 });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--no-wait", "--", "true"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be("run_0001\n");
        server.Requests.Should().NotContain(r => r.Contains("/logs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Binary_job_output_reaches_stdout_byte_for_byte()
    {
        byte[] binary = [0x00, 0xFF, 0xFE, 0x0A, 0xC3, 0x28];
        await using var server = await FakeControlPlane.StartAsync(new FakeRun { Chunks = [new FakeChunk("stdout", binary)] });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "cat", "blob"));

        result.ExitCode.Should().Be(0);
        result.StdOutBytes.Should().Equal(binary);
    }

    [Fact]
    public async Task Dropped_follow_connection_resumes_after_the_last_seq_without_duplicating_output()
    {
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            Chunks = [FakeChunk.Out("one\n"), FakeChunk.Out("two\n"), FakeChunk.Out("three\n"), FakeChunk.Out("four\n")],
            DropFirstFollowAfter = 2,
        });

        var result = await CliRunner.RunAsync(server.CliArgs("deploy", "--product", "web", "--", "count"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("one\ntwo\nthree\nfour\n");
        server.Requests.Where(r => r.Contains("/logs", StringComparison.Ordinal)).Should().Equal(
            "GET /api/v1/deployments/run_0001/logs?follow=true",
            "GET /api/v1/deployments/run_0001/logs?follow=true&after=2");
    }

    [Fact]
    public async Task Interrupt_while_following_exits_130_with_cancel_hint_and_leaves_the_run_alone()
    {
        using var interrupt = new CancellationTokenSource();
        await using var server = await FakeControlPlane.StartAsync(new FakeRun
        {
            Chunks = [FakeChunk.Out("working\n")],
            NeverEnds = true,
            OnChunksDelivered = () => interrupt.CancelAfter(TimeSpan.FromMilliseconds(100)),
        });

        var result = await CliRunner.RunAsync(
            server.CliArgs("deploy", "--product", "web", "--", "sleep", "600"), new Dictionary<string, string>(), interrupt.Token);

        result.ExitCode.Should().Be(130);
        result.StdOut.Should().Be("working\n");
        result.StdErr.Should().Contain("argy deployments cancel run_0001");
        server.Requests.Should().NotContain(r => r.EndsWith("/cancel", StringComparison.Ordinal));
    }
}
