using Argy.Agent.Jobs;
using Argy.Agent.Tests.Support;
using Argy.Protocol.V1;

namespace Argy.Agent.Tests.Jobs;

public sealed class WorkspaceRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();

    private string WorkRoot => _directory.Combine("work");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Failed_run_keeps_its_workspace_when_configured_and_says_where()
    {
        var sink = new CollectingSink();
        var runner = Support.Jobs.Runner(WorkRoot, configure: options => options.KeepFailedWorkspaces = true);

        await runner.RunAsync(Support.Jobs.Script("echo evidence > notes.txt; exit 2", runId: "run-failed"), sink, new JobCancellation());
        await runner.RunAsync(Support.Jobs.Script("echo fine > notes.txt", runId: "run-ok"), sink, new JobCancellation());

        var kept = Path.Combine(WorkRoot, ".failed", "run-failed");
        (await File.ReadAllTextAsync(Path.Combine(kept, "notes.txt"))).Should().Be("evidence\n");
        sink.Output(OutputStream.System).Should().Contain($"workspace kept for debugging on the agent's host at {kept}");
        Directory.Exists(Path.Combine(WorkRoot, "run-failed")).Should().BeFalse();
        Directory.Exists(Path.Combine(WorkRoot, "run-ok")).Should().BeFalse("successful runs never keep their workspace");
        Directory.Exists(Path.Combine(WorkRoot, ".failed", "run-ok")).Should().BeFalse();
    }

    [Fact]
    public async Task Failed_run_workspace_is_removed_by_default()
    {
        await Support.Jobs.Runner(WorkRoot).RunAsync(Support.Jobs.Script("touch x; exit 1"), new CollectingSink(), new JobCancellation());

        Directory.EnumerateFileSystemEntries(WorkRoot).Should().BeEmpty();
    }

    [Fact]
    public void Kept_workspaces_older_than_the_limit_are_deleted()
    {
        Keep("run-old", bytes: 10, Now - TimeSpan.FromDays(2));
        Keep("run-new", bytes: 10, Now - TimeSpan.FromHours(1));

        var deleted = WorkspaceRetention.Prune(WorkRoot, TimeSpan.FromDays(1), maxBytes: 1_000_000, Now);

        deleted.Select(Path.GetFileName).Should().Equal("run-old");
        Directory.Exists(Path.Combine(WorkspaceRetention.KeptRoot(WorkRoot), "run-new")).Should().BeTrue();
    }

    [Fact]
    public void Oldest_kept_workspaces_go_first_when_over_the_size_limit()
    {
        Keep("run-1", bytes: 600, Now - TimeSpan.FromMinutes(30));
        Keep("run-2", bytes: 600, Now - TimeSpan.FromMinutes(20));
        Keep("run-3", bytes: 600, Now - TimeSpan.FromMinutes(10));

        var deleted = WorkspaceRetention.Prune(WorkRoot, TimeSpan.FromDays(1), maxBytes: 1500, Now);

        deleted.Select(Path.GetFileName).Should().Equal("run-1");
        Directory.EnumerateDirectories(WorkspaceRetention.KeptRoot(WorkRoot)).Select(Path.GetFileName)
            .Should().BeEquivalentTo("run-2", "run-3");
    }

    private void Keep(string runId, int bytes, DateTimeOffset at)
    {
        var workspace = Path.Combine(WorkRoot, runId);
        Directory.CreateDirectory(Path.Combine(workspace, "sub"));
        File.WriteAllBytes(Path.Combine(workspace, "sub", "data"), new byte[bytes]);
        WorkspaceRetention.Keep(WorkRoot, runId, workspace, at);
    }
}
