using System.CommandLine;
using Argy.Agent.Cli;
using Argy.Agent.State;
using Argy.Agent.Tests.Support;

namespace Argy.Agent.Tests.Enrollment;

public sealed class EnrollInteractivelyTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private ScriptedHttpServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedHttpServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Without_a_token_enroll_prints_the_code_and_the_approve_command_then_stores_the_credential()
    {
        _server.Answer("/oauth/device_authorization", 200, """
            {"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"http://cp/device","verification_uri_complete":"http://cp/device?user_code=BCDF-GHJK","expires_in":600,"interval":1}
            """);
        _server.Answer("/oauth/token", 200, """
            {"access_token":"argy_agk_abc_secret-of-the-agent-0123456789","token_type":"HMAC","scope":"agent","tenant_id":"ten_1",
             "agent_id":"agt_abc","agent_name":"web-07","tags":["linux"],"grpc_url":"http://127.0.0.1:8081","auth_mode":"hmac","key_id":"key_1"}
            """);
        var stateDir = _temp.Combine("state");

        var result = await CliRun.InvokeAsync("enroll", "--url", _server.Url.ToString(), "--state-dir", stateDir, "--name", "web-07", "--tags", "linux");

        result.ExitCode.Should().Be(0, result.Error);
        result.Output.Should().Contain("argy device approve BCDF-GHJK --name web-07 --tags linux")
            .And.Contain("http://cp/device?user_code=BCDF-GHJK")
            .And.Contain("enrolled as agent agt_abc (web-07) in hmac mode")
            .And.NotContain("secret-of-the-agent");
        var state = (await new AgentStateStore(stateDir).LoadAsync(CancellationToken.None))!;
        state.Credential.Should().Be("argy_agk_abc_secret-of-the-agent-0123456789");
        state.KeyId.Should().Be("key_1");
        File.GetUnixFileMode(Path.Combine(stateDir, "agent.json")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task A_denied_enrollment_exits_77_and_stores_nothing()
    {
        _server.Answer("/oauth/device_authorization", 200, """
            {"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"http://cp/device","expires_in":600,"interval":1}
            """);
        _server.Answer("/oauth/token", 400, """{"error":"access_denied","error_description":"The request was denied."}""");
        var stateDir = _temp.Combine("state");

        var result = await CliRun.InvokeAsync("enroll", "--url", _server.Url.ToString(), "--state-dir", stateDir);

        result.ExitCode.Should().Be(77);
        result.ErrorLines.Should().Equal("error: an approver denied this enrollment");
        File.Exists(Path.Combine(stateDir, "agent.json")).Should().BeFalse();
    }
}
