using System.Text.Json.Nodes;
using Argy.Agent.Cli;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;

namespace Argy.Agent.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private const string Enrolled = """
        {"agentId":"agt_42","tenantId":"ten_7","credential":"argy_agent_TOPSECRET","grpcUrl":"http://127.0.0.1:8081","name":"builder-1","tags":["a","b"]}
        """;

    private readonly TempDirectory _temp = new();

    private string StateDir => _temp.Combine("state");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Version_prints_the_program_name_and_version()
    {
        var result = await CliRun.InvokeAsync("--version");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Be($"argy-agent {AgentInfo.Version}{Environment.NewLine}");
    }

    [Fact]
    public async Task Enroll_stores_the_credential_owner_only_and_never_prints_it()
    {
        await using var server = await FakeHttpServer.StartAsync(200, "application/json", Enrolled);

        var result = await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "tok_1", "--state-dir", StateDir);

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Should().Contain("agt_42").And.Contain("builder-1").And.NotContain("TOPSECRET");
        result.Error.Should().BeEmpty();

        var (path, body) = server.Requests.Single();
        path.Should().Be("/api/v1/agents/enroll");
        var request = JsonNode.Parse(body)!;
        ((string?)request["token"]).Should().Be("tok_1");
        ((string?)request["hostname"]).Should().Be(Environment.MachineName);
        ((string?)request["os"]).Should().Be("linux");
        ((string?)request["arch"]).Should().NotBeNullOrEmpty();
        ((string?)request["version"]).Should().Be(AgentInfo.Version);

        var store = new AgentStateStore(StateDir);
        File.GetUnixFileMode(store.FilePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var state = (await store.LoadAsync(CancellationToken.None))!;
        state.AgentId.Should().Be("agt_42");
        state.TenantId.Should().Be("ten_7");
        state.Credential.Should().Be("argy_agent_TOPSECRET");
        state.GrpcUrl.Should().Be(new Uri("http://127.0.0.1:8081"));
        state.ControlPlaneUrl.Should().Be(server.Url);
        state.Tags.Should().Equal("a", "b");
    }

    [Fact]
    public async Task Enroll_keeps_a_path_prefix_of_the_control_plane_url()
    {
        await using var server = await FakeHttpServer.StartAsync(200, "application/json", Enrolled);

        await CliRun.InvokeAsync("enroll", "--url", new Uri(server.Url, "argy").ToString(), "--token", "t", "--state-dir", StateDir);

        server.Requests.Single().Path.Should().Be("/argy/api/v1/agents/enroll");
    }

    [Fact]
    public async Task Refused_enrollment_exits_77_with_the_problem_detail()
    {
        await using var server = await FakeHttpServer.StartAsync(401, "application/problem+json",
            """{"type":"about:blank","title":"Unauthorized","status":401,"detail":"The enrollment token is invalid or expired."}""");

        var result = await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "bad", "--state-dir", StateDir);

        result.ExitCode.Should().Be(ExitCodes.EnrollmentRefused);
        result.ErrorLines.Should().Equal("error: The enrollment token is invalid or expired.");
        File.Exists(Path.Combine(StateDir, AgentStateStore.FileName)).Should().BeFalse();
    }

    [Fact]
    public async Task Server_error_without_a_problem_document_exits_1_with_the_status()
    {
        await using var server = await FakeHttpServer.StartAsync(502, "text/html", "<html>bad gateway</html>");

        var result = await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "t", "--state-dir", StateDir);

        result.ExitCode.Should().Be(ExitCodes.Failure);
        result.ErrorLines.Should().ContainSingle().Which.Should().StartWith("error: control plane answered 502");
    }

    [Fact]
    public async Task Enroll_against_an_unreachable_url_exits_1_with_one_line()
    {
        var result = await CliRun.InvokeAsync("enroll", "--url", "http://127.0.0.1:1", "--token", "t", "--state-dir", StateDir);

        result.ExitCode.Should().Be(ExitCodes.Failure);
        result.ErrorLines.Should().ContainSingle().Which.Should().StartWith("error: cannot reach control plane");
        result.Output.Should().BeEmpty();
    }

    [Fact]
    public async Task Enroll_does_not_replace_an_existing_enrollment_without_force()
    {
        await using var server = await FakeHttpServer.StartAsync(200, "application/json", Enrolled);
        await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "t", "--state-dir", StateDir);

        var again = await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "t", "--state-dir", StateDir);
        var forced = await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "t", "--state-dir", StateDir, "--force");

        again.ExitCode.Should().Be(ExitCodes.Failure);
        again.ErrorLines.Should().ContainSingle().Which.Should().Contain("already enrolled as agent agt_42");
        forced.ExitCode.Should().Be(0);
        server.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Enroll_with_an_invalid_url_is_a_usage_error()
    {
        var result = await CliRun.InvokeAsync("enroll", "--url", "ftp://example.com", "--token", "t");

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.ErrorLines.Should().ContainSingle().Which.Should().Contain("ftp://example.com");
    }

    [Fact]
    public async Task Status_without_state_exits_1()
    {
        var result = await CliRun.InvokeAsync("status", "--state-dir", StateDir);

        result.ExitCode.Should().Be(ExitCodes.Failure);
        result.Output.Should().Contain("enrolled:      no");
        result.ErrorLines.Should().ContainSingle().Which.Should().StartWith("error: not enrolled");
    }

    [Fact]
    public async Task Status_shows_the_identity_but_not_the_credential()
    {
        await using var server = await FakeHttpServer.StartAsync(200, "application/json", Enrolled);
        await CliRun.InvokeAsync("enroll", "--url", server.Url.ToString(), "--token", "t", "--state-dir", StateDir);

        var result = await CliRun.InvokeAsync("status", "--state-dir", StateDir);

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("enrolled:      yes").And.Contain("agt_42").And.Contain("ten_7")
            .And.Contain(server.Url.ToString()).And.Contain("http://127.0.0.1:8081").And.NotContain("TOPSECRET");
    }

    [Fact]
    public async Task Run_without_state_exits_1_with_one_line()
    {
        var result = await CliRun.InvokeAsync("run", "--state-dir", StateDir);

        result.ExitCode.Should().Be(ExitCodes.Failure);
        result.ErrorLines.Should().ContainSingle().Which.Should().Contain("not enrolled");
    }

    [Fact]
    public async Task Run_with_invalid_settings_exits_78()
    {
        var result = await CliRun.InvokeAsync("run", "--state-dir", StateDir, "--capacity", "0", "--tags", "ok,not ok");

        result.ExitCode.Should().Be(ExitCodes.Configuration);
        result.ErrorLines.Should().ContainSingle().Which.Should().Contain("Agent:Capacity").And.Contain("not ok");
    }

    [Fact]
    public async Task Unknown_command_is_a_usage_error()
    {
        var result = await CliRun.InvokeAsync("fly");

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.ErrorLines.Should().ContainSingle();
    }
}
