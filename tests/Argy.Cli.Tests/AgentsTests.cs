using Argy.Cli.Tests.Infrastructure;

namespace Argy.Cli.Tests;

public sealed class AgentsTests
{
    [Fact]
    public async Task Create_prints_the_one_time_token_and_the_enroll_command()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "create", "--name", "web-1", "--description", "front", "--tags", "linux,web"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Contain("id:               agt_0001")
            .And.Contain("tags:             linux,web")
            .And.Contain("enrollment token: enr_secret")
            .And.Contain($"argy-agent enroll --url {server.Url} --token enr_secret");
        server.LastAgentRequest!["description"]!.GetValue<string>().Should().Be("front");
    }

    [Fact]
    public async Task Create_with_json_prints_the_response_body_as_is()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "create", "--name", "web-1", "--json"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().StartWith("{\"id\":\"agt_0001\",\"name\":\"web-1\"").And.Contain("\"enrollmentToken\":\"enr_secret\"");
    }

    [Fact]
    public async Task List_prints_a_table_with_relative_last_activity()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "list"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be(
            "ID        NAME   STATUS     TAGS       VERSION  LAST ACTIVITY\n" +
            "agt_0001  web-1  Connected  linux,web  0.1.0    3s ago\n" +
            "agt_0002  db-1   Pending    -          -        never\n");
    }

    [Fact]
    public async Task Revoke_posts_to_the_agent_and_confirms()
    {
        await using var server = await FakeControlPlane.StartAsync();

        var result = await CliRunner.RunAsync(server.CliArgs("agents", "revoke", "agt_0001"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be("agent agt_0001 (web-1) revoked\n");
        server.Requests.Should().Contain("POST /api/v1/agents/agt_0001/revoke");
    }
}
