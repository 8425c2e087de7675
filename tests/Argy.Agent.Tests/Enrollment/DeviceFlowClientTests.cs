using Argy.Agent.Enrollment;

namespace Argy.Agent.Tests.Enrollment;

/// <summary>The agent's side of RFC 8628 against a scripted control plane, its clock driven by the test.</summary>
public sealed class DeviceFlowClientTests : IAsyncLifetime
{
    private const string Approved = """
        {"access_token":"argy_agk_abc_secret-of-the-agent-0123456789","token_type":"HMAC","scope":"agent","tenant_id":"ten_1",
         "agent_id":"agt_abc","agent_name":"web-07","tags":["linux"],"grpc_url":"http://127.0.0.1:8081","auth_mode":"hmac","key_id":"key_1"}
        """;

    private readonly ObservedTimeProvider _time = new();
    private ScriptedHttpServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedHttpServer.StartAsync(_time);
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static string Error(string code) => $$"""{"error":"{{code}}","error_description":"scripted"}""";

    private static DeviceAuthorization Authorization(int interval = 5, int expiresIn = 600) => new()
    {
        DeviceCode = "device-code",
        UserCode = "BCDF-GHJK",
        VerificationUri = "http://cp/device",
        VerificationUriComplete = "http://cp/device?user_code=BCDF-GHJK",
        ExpiresIn = expiresIn,
        Interval = interval,
    };

    /// <summary>Moves the clock to each poll in turn, waiting for the client to be asleep before every move.</summary>
    private async Task<List<double>> DriveAsync(Task polling, params int[] waits)
    {
        var start = _time.GetUtcNow();
        for (var i = 0; i < waits.Length; i++)
        {
            await _time.WaitForTimersAsync(i + 1);
            _time.Advance(TimeSpan.FromSeconds(waits[i]));
            await WaitForRequestsAsync(i + 1, polling);
        }

        return _server.Requests.Select(r => (r.At - start).TotalSeconds).ToList();
    }

    private async Task WaitForRequestsAsync(int count, Task polling)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.Requests.Count < count && !polling.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task It_polls_at_the_interval_and_adds_5_seconds_for_every_slow_down()
    {
        _server.Answer("/oauth/token", 400, Error("authorization_pending"));
        _server.Answer("/oauth/token", 400, Error("slow_down"));
        _server.Answer("/oauth/token", 400, Error("authorization_pending"));
        _server.Answer("/oauth/token", 400, Error("slow_down"));
        _server.Answer("/oauth/token", 200, Approved);

        var polling = new DeviceFlowClient(_http, _time).WaitForApprovalAsync(_server.Url, Authorization(), CancellationToken.None);
        var at = await DriveAsync(polling, 5, 5, 10, 10, 15);
        var state = await polling;

        at.Should().Equal(5, 10, 20, 30, 45);
        var form = _server.Requests.First().Form!;
        ((string?)form["grant_type"]).Should().Be("urn:ietf:params:oauth:grant-type:device_code");
        ((string?)form["client_id"]).Should().Be("argy-agent");
        ((string?)form["device_code"]).Should().Be("device-code");
        state.AgentId.Should().Be("agt_abc");
        state.AuthMode.Should().Be("hmac");
        state.KeyId.Should().Be("key_1");
        state.GrpcUrl.Should().Be(new Uri("http://127.0.0.1:8081"));
    }

    [Theory]
    [InlineData("access_denied", "denied")]
    [InlineData("expired_token", "expired")]
    public async Task A_refusal_ends_the_wait(string error, string message)
    {
        _server.Answer("/oauth/token", 400, Error(error));

        var polling = new DeviceFlowClient(_http, _time).WaitForApprovalAsync(_server.Url, Authorization(), CancellationToken.None);
        await DriveAsync(polling, 5);

        var refusal = (await polling.Invoking(p => p).Should().ThrowAsync<EnrollmentException>()).Which;
        refusal.Refused.Should().BeTrue();
        refusal.Message.Should().Contain(message);
    }

    [Fact]
    public async Task It_stops_on_its_own_once_the_code_has_expired()
    {
        _server.Answer("/oauth/token", 400, Error("authorization_pending"));

        var polling = new DeviceFlowClient(_http, _time).WaitForApprovalAsync(_server.Url, Authorization(interval: 5, expiresIn: 8), CancellationToken.None);
        await DriveAsync(polling, 5, 5);

        (await polling.Invoking(p => p).Should().ThrowAsync<EnrollmentException>()).Which.Message.Should().Contain("expired");
        _server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task The_device_request_says_what_the_machine_is_and_what_it_asks_for()
    {
        _server.Answer("/oauth/device_authorization", 200, """
            {"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"http://cp/device","verification_uri_complete":"http://cp/device?user_code=BCDF-GHJK","expires_in":600,"interval":5}
            """);

        var authorization = await new DeviceFlowClient(_http, _time).StartAsync(_server.Url, "web-07", ["linux", "prod"], CancellationToken.None);

        authorization.UserCode.Should().Be("BCDF-GHJK");
        var form = _server.Requests.Single().Form!;
        ((string?)form["client_id"]).Should().Be("argy-agent");
        ((string?)form["scope"]).Should().Be("agent");
        ((string?)form["hostname"]).Should().Be(Environment.MachineName);
        ((string?)form["version"]).Should().Be(AgentInfo.Version);
        ((string?)form["name"]).Should().Be("web-07");
        ((string?)form["tags"]).Should().Be("linux,prod");
    }
}
