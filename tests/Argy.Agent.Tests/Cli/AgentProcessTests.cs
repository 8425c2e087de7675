using System.Diagnostics;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;
using Payload = Argy.Protocol.V1.AgentMessage.PayloadOneofCase;

namespace Argy.Agent.Tests.Cli;

/// <summary>The real argy-agent executable, as systemd or an operator starts it.</summary>
public sealed class AgentProcessTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ProcessStartInfo Agent(params string[] args)
    {
        var info = new ProcessStartInfo(AgentExecutable.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    [Fact]
    public async Task Failure_is_one_line_on_stderr_without_a_stack_trace()
    {
        using var process = Process.Start(Agent("enroll", "--url", "http://127.0.0.1:1", "--token", "t", "--state-dir", _temp.Path))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

        process.ExitCode.Should().Be(1, stderr);
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith("error: cannot reach control plane");
        (await stdout).Should().BeEmpty();
    }

    [Fact]
    public async Task Sigterm_lets_the_running_job_finish_reports_it_and_exits_0()
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var stateDir = _temp.Combine("state");
        await new AgentStateStore(stateDir).SaveAsync(new AgentState
        {
            AgentId = "agt_p", TenantId = "ten_p", Credential = "c",
            ControlPlaneUrl = new Uri("http://127.0.0.1/"), GrpcUrl = controlPlane.Url,
        }, CancellationToken.None);

        using var process = Process.Start(Agent("run", "--state-dir", stateDir, "--work-root", _temp.Combine("work")))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var call = await controlPlane.NextCallAsync(TimeSpan.FromSeconds(20));
            (await call.ReadAsync())!.PayloadCase.Should().Be(Payload.Hello);
            await call.WelcomeAsync();
            await call.SendAsync(new ControlMessage { AssignJob = new AssignJob { RunId = "run-p", Script = "echo started; sleep 1; echo done" } });
            await call.ReadUntilAsync(Payload.LogChunk);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await call.ReadUntilAsync(Payload.Draining);
            var (finished, _) = await call.ReadUntilAsync(Payload.JobFinished);
            finished.JobFinished.Outcome.Should().Be(JobOutcome.Succeeded);
            (await call.ReadAsync()).Should().BeNull();
            call.End();

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            process.ExitCode.Should().Be(0, await output + await errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
