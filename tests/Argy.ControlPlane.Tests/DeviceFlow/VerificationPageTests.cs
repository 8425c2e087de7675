using Argy.ControlPlane.Tests.Support;

namespace Argy.ControlPlane.Tests.DeviceFlow;

public sealed class VerificationPageTests
{
    [Fact]
    public async Task The_page_needs_a_click_is_not_frameable_and_opening_it_decides_nothing()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var device = new OAuthClient(controlPlane.Http());
        var authorization = await device.AuthorizeAsync();

        var page = await controlPlane.Http().GetAsync((string)authorization["verification_uri_complete"]!);
        var script = await controlPlane.Http().GetStringAsync("/device/app.js");

        ((int)page.StatusCode).Should().Be(200);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.Should().Contain("frame-ancestors 'none'").And.Contain("script-src 'self'").And.Contain("default-src 'none'");
        page.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");
        page.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("id=\"approve\"").And.Contain("you started yourself").And.NotContain("<script>");
        script.Should().Contain("textContent").And.NotContain("innerHTML");
        script.Should().Contain("addEventListener(\"click\"", "approving takes an explicit click");
        OAuthClient.ShouldBeError(await device.PollAsync(authorization), "authorization_pending");
    }
}
