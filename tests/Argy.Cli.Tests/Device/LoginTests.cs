using System.Text;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Argy.Cli.Tests.Device;

/// <summary>argy login with no option: the device flow, its clock driven by the test.</summary>
public sealed class LoginTests : IAsyncLifetime
{
    private readonly CountingTimeProvider _time = new();
    private DeviceFakeServer _server = null!;

    public async Task InitializeAsync() => _server = await DeviceFakeServer.StartAsync(_time);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly object Authorization = new
    {
        device_code = "dc",
        user_code = "BCDF-GHJK",
        verification_uri = "http://cp/device",
        verification_uri_complete = "http://cp/device?user_code=BCDF-GHJK",
        expires_in = 600,
        interval = 5,
    };

    private async Task<CliResult> RunAsync(params int[] waits)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var host = new CliHost(new CliConsole(stdout, stderr), _ => null, _time);
        var running = CliApp.RunAsync(["login", "--url", _server.Url], host, CancellationToken.None);
        for (var i = 0; i < waits.Length; i++)
        {
            await _time.WaitForTimersAsync(i + 1);
            _time.Advance(TimeSpan.FromSeconds(waits[i]));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_server.Requests.Count(r => r.Line == "POST /oauth/token") < i + 1 && !running.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
        }

        var exitCode = await running;
        return new CliResult(exitCode, stdout.ToArray(), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Login_shows_the_code_polls_slowing_down_when_told_and_prints_the_export_line()
    {
        _server.Answer("POST /oauth/device_authorization", 200, Authorization);
        _server.Answer("POST /oauth/token", 400, new { error = "authorization_pending", error_description = "waiting" });
        _server.Answer("POST /oauth/token", 400, new { error = "slow_down", error_description = "slower" });
        _server.Answer("POST /oauth/token", 200, new
        {
            access_token = "argy_pat_abc_secret",
            token_type = "Bearer",
            expires_in = 43200,
            scope = "api",
            tenant_id = "ten_1",
            role = "PLATFORM_ADMIN",
        });

        var result = await RunAsync(5, 5, 10);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("export ARGY_TOKEN=argy_pat_abc_secret\n");
        result.StdErr.Should().Contain("http://cp/device?user_code=BCDF-GHJK")
            .And.Contain("argy device approve BCDF-GHJK")
            .And.Contain("Signed in to tenant ten_1 with role PLATFORM_ADMIN; the token expires in 12h00m.");
        var start = _server.Requests.First().At;
        _server.Requests.Where(r => r.Line == "POST /oauth/token").Select(r => (r.At - start).TotalSeconds).Should().Equal(5, 10, 20);
        _server.Requests.First().Body.Should().Contain("client_id=argy-cli").And.Contain("scope=api");
    }

    [Fact]
    public async Task A_denied_login_exits_77()
    {
        _server.Answer("POST /oauth/device_authorization", 200, Authorization);
        _server.Answer("POST /oauth/token", 400, new { error = "access_denied", error_description = "denied" });

        var result = await RunAsync(5);

        result.ExitCode.Should().Be(77);
        result.StdErr.Should().EndWith("error: the sign-in was denied\n");
        result.StdOut.Should().BeEmpty();
    }

    private sealed class CountingTimeProvider() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
        private int _timers;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }

        public async Task WaitForTimersAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref _timers) < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
        }
    }
}
