using System.Net;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tests.Support;

namespace Argy.ControlPlane.Tests.DeviceFlow;

/// <summary>Wrong user codes are limited per approver, per IP and globally (sliding windows, FakeTimeProvider).</summary>
public sealed class RateLimitTests
{
    private static async Task<HttpResponseMessage> Approve(HttpClient approver, string code) => await OAuthClient.ApproveAsync(approver, code);

    [Fact]
    public async Task An_approver_gets_five_wrong_codes_per_window_then_429_even_for_the_right_code()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var approver = controlPlane.Admin();
        var authorization = await new OAuthClient(controlPlane.Http()).AuthorizeAsync();
        var right = (string)authorization["user_code"]!;

        for (var i = 0; i < 5; i++)
        {
            ((int)(await Approve(approver, i % 2 == 0 ? "BBBB-BBBB" : "not a code")).StatusCode).Should().Be(404);
        }

        var limited = await Approve(approver, right);
        ((int)limited.StatusCode).Should().Be(429);
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromMinutes(10));
        (await AuditEvents.WaitForAsync(controlPlane, "device.rate_limited")).Should().NotBeEmpty();

        controlPlane.Time.Advance(TimeSpan.FromMinutes(5));
        ((int)(await Approve(approver, right)).StatusCode).Should().Be(429);
        controlPlane.Time.Advance(TimeSpan.FromMinutes(5));
        ((int)(await OAuthClient.ApproveAsync(approver, right, name: "after-the-window")).StatusCode).Should().Be(404, "the code expired meanwhile");
        var fresh = await new OAuthClient(controlPlane.Http()).AuthorizeAsync();
        ((int)(await OAuthClient.ApproveAsync(approver, (string)fresh["user_code"]!, name: "after-the-window")).StatusCode).Should().Be(200);
    }

    [Fact]
    public async Task Right_codes_do_not_count()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:DeviceFlow:MaxPendingPerIp"] = "20" });
        var device = new OAuthClient(controlPlane.Http());
        for (var i = 0; i < 8; i++)
        {
            var authorization = await device.AuthorizeAsync("argy-cli");
            ((int)(await Approve(controlPlane.Admin(), (string)authorization["user_code"]!)).StatusCode).Should().Be(200);
        }
    }

    [Fact]
    public async Task The_address_limit_holds_across_approvers()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:DeviceFlow:WrongCodesPerIp"] = "3" });

        for (var i = 0; i < 3; i++)
        {
            ((int)(await Approve(controlPlane.Http(controlPlane.Token(Roles.Admin)), "CCCC-CCCC")).StatusCode).Should().Be(404);
        }

        ((int)(await Approve(controlPlane.Http(controlPlane.Token(Roles.Admin)), "CCCC-CCCC")).StatusCode).Should().Be(429);
    }

    [Fact]
    public async Task The_global_limit_holds_for_everyone()
    {
        await using var controlPlane = await TestControlPlane.StartAsync(new Dictionary<string, string?>
        {
            ["Argy:DeviceFlow:WrongCodesGlobal"] = "4",
            ["Argy:DeviceFlow:WrongCodesPerIp"] = "100",
        });
        var approvers = Enumerable.Range(0, 5).Select(_ => controlPlane.Http(controlPlane.Token(Roles.Admin))).ToList();

        for (var i = 0; i < 4; i++)
        {
            ((int)(await Approve(approvers[i], "DDDD-DDDD")).StatusCode).Should().Be(404);
        }

        var fifth = await Approve(approvers[4], "DDDD-DDDD");
        ((int)fifth.StatusCode).Should().Be(429);
        fifth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }
}
