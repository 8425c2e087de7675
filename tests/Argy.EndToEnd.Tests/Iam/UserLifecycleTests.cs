using System.Net.Http.Json;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>Invitation by email, activation, passwordless sign-in and disabling, against the real process and a real SMTP server.</summary>
[Collection(IamCollection.Name)]
public sealed class UserLifecycleTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Invite_email_activation_link_session_then_reuse_refused_and_disable_ends_sessions_and_tokens()
    {
        using var admin = ControlPlane.Api();
        var email = IamApi.UniqueEmail("ada");
        var invited = await IamApi.InviteAsync(admin, email, "PLATFORM_ENGINEER");
        ((string)invited["status"]!).Should().Be("Invited");

        var message = await fixture.Mail.WaitForAsync(email, "invited");
        message.From.Mailboxes.Single().Address.Should().Be("argy@example.test");
        var link = SmtpSink.LinkIn(message, "activate");
        var session = await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/activate", SmtpSink.TokenOf(link));
        ((string)session["tokenType"]!).Should().Be("Bearer");
        ((string)session["user"]!["status"]!).Should().Be("Active");
        var jwt = (string)session["accessToken"]!;
        jwt.Split('.').Should().HaveCount(3);

        using var ada = new ApiClient(ControlPlane.Url, jwt);
        var me = await ApiClient.ExpectJson(await ada.Http.GetAsync("/api/v1/me"), 200);
        ((string)me["user"]!["email"]!).Should().Be(email);
        ((string)me["role"]!).Should().Be("PLATFORM_ENGINEER");
        await ApiClient.ExpectJson(await ada.Http.GetAsync("/api/v1/agents"), 200);

        // The link works once.
        var reused = await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/activate", SmtpSink.TokenOf(link), 401);
        ((string)reused["detail"]!).Should().Contain("already used");

        // A token the user made for themselves, while signed in, belongs to them.
        var ownToken = await IamApi.CreateTokenAsync(admin, new { name = "ada-ci", role = "PLATFORM_USER", userId = (string)invited["id"]! });
        using var adaCi = new ApiClient(ControlPlane.Url, ownToken);
        await ApiClient.ExpectJson(await adaCi.Http.GetAsync("/api/v1/agents"), 200);

        await ApiClient.ExpectJson(await admin.Http.PostAsync($"/api/v1/users/{invited["id"]}/disable", null), 200);

        var refused = await ApiClient.ExpectProblem(await ada.Http.GetAsync("/api/v1/agents"), 401);
        ((string)refused["detail"]!).Should().Contain("ended");
        var tokenRefused = await ApiClient.ExpectProblem(await adaCi.Http.GetAsync("/api/v1/agents"), 401);
        ((string)tokenRefused["detail"]!).Should().Contain("disabled");

        // Enabling restores the tokens but not the ended session.
        await ApiClient.ExpectJson(await admin.Http.PostAsync($"/api/v1/users/{invited["id"]}/enable", null), 200);
        await ApiClient.ExpectJson(await adaCi.Http.GetAsync("/api/v1/agents"), 200);
        await ApiClient.ExpectProblem(await ada.Http.GetAsync("/api/v1/agents"), 401);
    }

    [Fact]
    public async Task Magic_link_sign_in_works_once_and_says_nothing_about_unknown_addresses()
    {
        using var admin = ControlPlane.Api();
        var (userId, first) = await IamApi.SignedInUserAsync(fixture, admin, "VIEWER");
        first.Dispose();
        var user = await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users/{userId}"), 200);
        var email = (string)user["email"]!;
        using var anonymous = new ApiClient(ControlPlane.Url, null);

        var accepted = await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = "default", email });
        var unknown = await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = "default", email = "nobody@example.test" });
        var unknownTenant = await anonymous.Http.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = "no-such-tenant", email });

        var bodies = new[] { await ApiClient.ExpectJson(accepted, 202), await ApiClient.ExpectJson(unknown, 202), await ApiClient.ExpectJson(unknownTenant, 202) };
        bodies.Select(b => (string)b["message"]!).Distinct().Should().ContainSingle("the answer must not reveal which addresses exist");
        var link = SmtpSink.LinkIn(await fixture.Mail.WaitForAsync(email, "Sign in"), "sign-in");
        var session = await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/magic-link/redeem", SmtpSink.TokenOf(link));
        ((string)session["session"]!["method"]!).Should().Be("magic-link");
        await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/magic-link/redeem", SmtpSink.TokenOf(link), 401);
        // An activation endpoint does not take a sign-in link, and the other way round.
        await IamApi.RedeemAsync(ControlPlane, "/api/v1/auth/activate", SmtpSink.TokenOf(link), 401);
        fixture.Mail.CountTo("nobody@example.test").Should().Be(0);

        // Logging out ends the session at once; refresh gives a new token for a live session.
        using var signedIn = new ApiClient(ControlPlane.Url, (string)session["accessToken"]!);
        var refreshed = await ApiClient.ExpectJson(await signedIn.Http.PostAsync("/api/v1/auth/refresh", null), 200);
        ((string)refreshed["session"]!["id"]!).Should().Be((string)session["session"]!["id"]!);
        (await signedIn.Http.PostAsync("/api/v1/auth/logout", null)).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        await ApiClient.ExpectProblem(await signedIn.Http.GetAsync("/api/v1/me"), 401);
        using var refreshedClient = new ApiClient(ControlPlane.Url, (string)refreshed["accessToken"]!);
        await ApiClient.ExpectProblem(await refreshedClient.Http.GetAsync("/api/v1/me"), 401);
    }

    [Fact]
    public async Task Users_are_listed_searched_and_changed_and_the_last_admin_is_kept()
    {
        using var admin = ControlPlane.Api();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var email = $"grace-{tag}@example.test";
        var grace = await IamApi.InviteAsync(admin, email, "VIEWER");
        await IamApi.InviteAsync(admin, $"other-{tag}@example.test", "PLATFORM_PM");

        var found = await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users?search=grace-{tag}"), 200);
        found["items"]!.AsArray().Select(u => (string)u!["email"]!).Should().Equal(email);
        var pms = await ApiClient.ExpectJson(await admin.Http.GetAsync($"/api/v1/users?search={tag}&role=PLATFORM_PM"), 200);
        ((int)pms["total"]!).Should().Be(1);

        var changed = await ApiClient.ExpectJson(
            await admin.Http.PatchAsJsonAsync($"/api/v1/users/{grace["id"]}", new { role = "PLATFORM_PM", displayName = "Grace H." }), 200);
        ((string)changed["role"]!).Should().Be("PLATFORM_PM");
        ((string)changed["displayName"]!).Should().Be("Grace H.");
        await ApiClient.ExpectProblem(await admin.Http.PatchAsJsonAsync($"/api/v1/users/{grace["id"]}", new { role = "ROOT" }), 400);
        await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/users", new { email, role = "VIEWER" }), 409);
        await ApiClient.ExpectProblem(await admin.Http.PostAsJsonAsync("/api/v1/users", new { email = "not-an-address", role = "VIEWER" }), 400);

        // A tenant whose only admin signs in cannot lose that admin.
        var other = await ControlPlane.CreateTenantAsync("solo-" + tag);
        using var otherAdmin = ControlPlane.Api(other);
        var (soloId, solo) = await IamApi.SignedInUserAsync(fixture, otherAdmin, "PLATFORM_ADMIN");
        using (solo)
        {
            await ApiClient.ExpectProblem(await solo.Http.PatchAsJsonAsync($"/api/v1/users/{soloId}", new { role = "VIEWER" }), 409);
            await ApiClient.ExpectProblem(await solo.Http.PostAsync($"/api/v1/users/{soloId}/disable", null), 409);
        }
    }
}
