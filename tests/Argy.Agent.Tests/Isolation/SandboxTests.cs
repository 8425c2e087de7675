using System.Diagnostics;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Isolation;

/// <summary>What a job can and cannot do in the default (bubblewrap) sandbox, checked from inside and from the host.</summary>
public sealed class SandboxTests : IDisposable
{
    private readonly SandboxHost _host = new();

    public void Dispose() => _host.Dispose();

    [RootFact]
    public async Task Job_runs_as_uid_1001_without_groups_and_cannot_gain_privileges()
    {
        var output = await _host.OutputOfAsync("id -u; id -g; id -G; grep NoNewPrivs /proc/self/status");

        output.Should().Be("1001\n1001\n1001\nNoNewPrivs:\t1\n");
    }

    [RootFact]
    public async Task Files_the_job_writes_belong_to_uid_1001_on_the_host()
    {
        _host.Options.KeepFailedWorkspaces = true;

        var finished = await _host.RunAsync(Support.Jobs.Script("mkdir dir; echo x > dir/file; exit 1"));

        finished.Outcome.Should().Be(JobOutcome.Failed);
        var kept = Path.Combine(_host.WorkRoot, ".failed", "run-1");
        (await HostOwnerAsync(kept)).Should().Be("1001:1001 700");
        (await HostOwnerAsync(Path.Combine(kept, "dir", "file"))).Should().StartWith("1001:1001");
    }

    [Fact]
    public async Task Workspace_and_tmp_are_writable_the_rest_of_the_host_is_not()
    {
        var output = await _host.OutputOfAsync($$"""
            echo data > file && echo "workspace ok"
            echo data > /tmp/file && echo "tmp ok"
            for dir in /etc /usr /var/tmp /root '{{_host.WorkRoot}}' '{{_host.StateDirectory}}'; do
              if (echo x > "$dir/argy-escape") 2>/dev/null; then echo "wrote $dir"; else echo "refused $dir"; fi
            done
            """);

        output.Should().Be($"""
            workspace ok
            tmp ok
            refused /etc
            refused /usr
            refused /var/tmp
            refused /root
            refused {_host.WorkRoot}
            refused {_host.StateDirectory}

            """);
        File.Exists(Path.Combine(_host.StateDirectory, "argy-escape")).Should().BeFalse();
        File.Exists(Path.Combine(_host.WorkRoot, "argy-escape")).Should().BeFalse();
        File.Exists("/etc/argy-escape").Should().BeFalse();
    }

    [Fact]
    public async Task Agent_credential_and_configuration_cannot_be_read()
    {
        var output = await _host.OutputOfAsync($"""
            ls -A '{_host.StateDirectory}'
            cat '{_host.CredentialFile}' || echo "no credential"
            cat '{_host.ConfigFile}' || echo "no config"
            """);

        output.Should().NotContain(SandboxHost.Credential).And.NotContain(SandboxHost.ConfigSecret);
        output.Should().Contain("no credential").And.Contain("no config");
    }

    [Fact]
    public async Task Other_runs_workspaces_are_invisible()
    {
        var other = Path.Combine(_host.WorkRoot, "run-other");
        Directory.CreateDirectory(other);
        await File.WriteAllTextAsync(Path.Combine(other, "secret.txt"), "other-run-secret");

        var output = await _host.OutputOfAsync($"""
            ls -A '{_host.WorkRoot}'
            ls '{other}' 2>/dev/null || echo "cannot list"
            cat '{other}/secret.txt' 2>/dev/null || echo "cannot read"
            """);

        output.Should().Be("run-1\ncannot list\ncannot read\n");
    }

    [Fact]
    public async Task Job_sees_only_its_own_processes()
    {
        var output = await _host.OutputOfAsync($"ls /proc | grep -c '^[0-9]'; echo $$; kill -0 {Environment.ProcessId} 2>/dev/null && echo 'sees the agent'");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThan(6, "only the sandbox's init, the job and its children exist for it");
        lines[1].Should().Be("2", "the job is the first process under the sandbox's init");
        lines.Should().HaveCount(2, "the agent's pid means nothing in the job's PID namespace");
    }

    [Fact]
    public async Task Tmp_is_private_to_the_run()
    {
        await _host.OutputOfAsync("echo first > /tmp/shared");

        var output = await _host.OutputOfAsync("cat /tmp/shared 2>/dev/null || echo empty", runId: "run-2");

        output.Should().EndWith("empty\n");
    }

    [Fact]
    public async Task Stdin_is_empty_and_open()
    {
        var output = await _host.OutputOfAsync("cat; echo \"rc=$?\"; readlink /proc/self/fd/0");

        output.Should().Be("rc=0\n/dev/null\n");
    }

    [Fact]
    public async Task Secrets_never_appear_on_a_command_line_of_the_host()
    {
        const string secret = "argy-secret-on-the-command-line-would-be-readable-by-every-user";
        var job = Support.Jobs.Script("echo started; sleep 30");
        job.Secrets.Add("DEPLOY_TOKEN", secret);
        using var cancellation = new Argy.Agent.Jobs.JobCancellation();
        var run = _host.RunAsync(job, cancellation);
        await WaitUntilAsync(() => _host.Sink.Output().Contains("started", StringComparison.Ordinal));

        var commandLines = Directory.EnumerateDirectories("/proc")
            .Select(directory => TryRead(Path.Combine(directory, "cmdline")))
            .ToList();
        cancellation.Cancel("test over");
        await run;

        commandLines.Should().NotContain(line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Job_survives_the_end_of_the_thread_that_started_it()
    {
        // bwrap's --die-with-parent follows the thread that forked it: a job forked by a thread that then ends
        // would be killed at once. The runner's call is made from a thread that ends right away.
        Task<JobFinished>? run = null;
        var thread = new Thread(() => run = _host.RunAsync(Support.Jobs.Script("sleep 0.5; echo alive")));
        thread.Start();
        thread.Join();

        var finished = await run!;

        finished.Outcome.Should().Be(JobOutcome.Succeeded);
        _host.Sink.Output(OutputStream.Stdout).Should().Be("alive\n");
    }

    private static async Task<string> HostOwnerAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u:%g %a", path]) { RedirectStandardOutput = true })!;
        var output = await stat.StandardOutput.ReadToEndAsync();
        await stat.WaitForExitAsync();
        return output.Trim();
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 200 && !condition(); attempt++)
        {
            await Task.Delay(25);
        }

        condition().Should().BeTrue();
    }
}
