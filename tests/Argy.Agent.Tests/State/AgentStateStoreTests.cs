using Argy.Agent.State;
using Argy.Agent.Tests.Support;

namespace Argy.Agent.Tests.State;

public sealed class AgentStateStoreTests
{
    private static AgentState SampleState() => new()
    {
        AgentId = "agt_123",
        TenantId = "ten_9",
        Credential = "very-secret-credential",
        ControlPlaneUrl = new Uri("https://argy.example.com/"),
        GrpcUrl = new Uri("http://127.0.0.1:8081"),
        Name = "builder-1",
        Tags = ["linux", "docker"],
        EnrolledAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
    };

    [Fact]
    public async Task State_file_is_created_owner_only_and_round_trips()
    {
        using var temp = new TempDirectory();
        var store = new AgentStateStore(temp.Combine("state"));

        await store.SaveAsync(SampleState(), CancellationToken.None);
        var loaded = await store.LoadAsync(CancellationToken.None);

        File.GetUnixFileMode(store.FilePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(store.Directory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        store.IsTooOpen().Should().BeFalse();
        loaded.Should().BeEquivalentTo(SampleState());
    }

    [Fact]
    public async Task Saving_again_replaces_the_file_and_leaves_no_temp_files()
    {
        using var temp = new TempDirectory();
        var store = new AgentStateStore(temp.Path);

        await store.SaveAsync(SampleState(), CancellationToken.None);
        await store.SaveAsync(new AgentState
        {
            AgentId = "agt_456", TenantId = "t", Credential = "c",
            ControlPlaneUrl = new Uri("http://cp/"), GrpcUrl = new Uri("http://cp:1"),
        }, CancellationToken.None);

        (await store.LoadAsync(CancellationToken.None))!.AgentId.Should().Be("agt_456");
        Directory.GetFiles(temp.Path).Select(Path.GetFileName).Should().Equal(AgentStateStore.FileName);
        File.GetUnixFileMode(store.FilePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task Missing_state_file_means_not_enrolled()
    {
        using var temp = new TempDirectory();
        (await new AgentStateStore(temp.Combine("nothing-here")).LoadAsync(CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Corrupt_state_file_is_reported_as_such()
    {
        using var temp = new TempDirectory();
        var store = new AgentStateStore(temp.Path);
        await File.WriteAllTextAsync(store.FilePath, "{ not json");

        var load = () => store.LoadAsync(CancellationToken.None);

        (await load.Should().ThrowAsync<AgentStateException>()).Which.Message.Should().Contain(store.FilePath);
    }

    [Fact]
    public async Task World_readable_state_file_is_flagged()
    {
        using var temp = new TempDirectory();
        var store = new AgentStateStore(temp.Path);
        await store.SaveAsync(SampleState(), CancellationToken.None);
        File.SetUnixFileMode(store.FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        store.IsTooOpen().Should().BeTrue();
    }
}
