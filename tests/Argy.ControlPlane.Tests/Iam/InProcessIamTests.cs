using System.Net.Http.Json;
using System.Text;
using Argy.ControlPlane.Security;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>IP allow-list (IPv4 and IPv6), link expiry on the fake clock, and secrets at rest, through the real HTTP stack.</summary>
public sealed class InProcessIamTests : IAsyncLifetime
{
    private IamHost _host = null!;

    public async Task InitializeAsync() => _host = await IamHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_allow_list_refuses_other_addresses_with_403_and_an_audit_event_for_IPv4_and_IPv6()
    {
        var v4 = _host.Client(_host.AdminToken);
        var v6 = _host.Client(_host.AdminToken, ipv6: true);
        var current = await IamHost.Json(await v4.GetAsync("/api/v1/settings/ip-allowlist"), 200);
        ((string)current["yourAddress"]!).Should().EndWith("127.0.0.1");

        // Allow the IPv4 loopback range and a documentation IPv6 range: ::1 is outside.
        await IamHost.Json(await v4.PutAsJsonAsync("/api/v1/settings/ip-allowlist", new
        {
            enabled = true,
            entries = new[] { new { cidr = "127.0.0.0/8", description = "loopback v4" }, new { cidr = "2001:db8::/32", description = "docs v6" } },
        }), 200);

        await IamHost.Json(await v4.GetAsync("/api/v1/agents"), 200);
        var refused = await IamHost.Json(await v6.GetAsync("/api/v1/agents"), 403);
        ((string)refused["detail"]!).Should().Contain("::1").And.Contain("allow-list");

        // Now only ::1: the IPv4 caller must force it, after which IPv6 is served and IPv4 refused.
        var body = new { enabled = true, entries = new[] { new { cidr = "::1/128", description = "loopback v6" } } };
        var guarded = await IamHost.Json(await v4.PutAsJsonAsync("/api/v1/settings/ip-allowlist", body), 409);
        ((string)guarded["detail"]!).Should().Contain("127.0.0.1").And.Contain("force=true");
        await IamHost.Json(await v4.GetAsync("/api/v1/agents"), 200);
        await IamHost.Json(await v4.PutAsJsonAsync("/api/v1/settings/ip-allowlist?force=true", body), 200);

        await IamHost.Json(await v4.GetAsync("/api/v1/agents"), 403);
        await IamHost.Json(await v6.GetAsync("/api/v1/agents"), 200);
        var anonymousV4 = _host.Client();
        (await anonymousV4.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = "default", email = "x@example.test" })).StatusCode
            .Should().Be(System.Net.HttpStatusCode.Forbidden, "sign-in requests from outside the list are refused too");

        // The IPv6 caller's own guard: a list without ::1 is refused unless forced.
        await IamHost.Json(await v6.PutAsJsonAsync("/api/v1/settings/ip-allowlist", new
        {
            enabled = true,
            entries = new[] { new { cidr = "2001:db8::/32", description = (string?)null } },
        }), 409);
        await IamHost.Json(await v6.PutAsJsonAsync("/api/v1/settings/ip-allowlist", new { enabled = false, entries = Array.Empty<object>() }), 200);

        var audit = await Eventually(async () => await IamHost.Json(await v4.GetAsync("/api/v1/audit-events?action=ip.denied"), 200),
            a => a["items"]!.AsArray().Count >= 2);
        var sources = audit["items"]!.AsArray().Select(e => (string?)e!["sourceIp"]).ToList();
        sources.Should().Contain(s => s != null && s.EndsWith("::1", StringComparison.Ordinal));
        sources.Should().Contain(s => s != null && s.EndsWith("127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_ranges_are_refused_and_nothing_is_saved()
    {
        var admin = _host.Client(_host.AdminToken);
        var problem = await IamHost.Json(await admin.PutAsJsonAsync("/api/v1/settings/ip-allowlist", new
        {
            enabled = true,
            entries = new[] { new { cidr = "10.0.0.1/8", description = "host bits" }, new { cidr = "300.1.1.1", description = "bad" } },
        }), 400);
        problem["errors"]!["entries"]!.AsArray().Should().HaveCount(2);
        ((bool)(await IamHost.Json(await admin.GetAsync("/api/v1/settings/ip-allowlist"), 200))["enabled"]!).Should().BeFalse();
    }

    [Fact]
    public async Task Activation_and_sign_in_links_expire_on_the_clock()
    {
        var admin = _host.Client(_host.AdminToken);
        var anonymous = _host.Client();
        await _host.InviteAsync(admin, "late@example.test");
        var firstLink = CapturedMail.Token(_host.Mail.Last("late@example.test"));

        _host.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        var expired = await IamHost.Json(await anonymous.PostAsJsonAsync("/api/v1/auth/activate", new { token = firstLink }), 401);
        ((string)expired["detail"]!).Should().Contain("expired");

        var user = await IamHost.Json(await admin.GetAsync("/api/v1/users?search=late@example.test"), 200);
        await IamHost.Json(await admin.PostAsync($"/api/v1/users/{user["items"]![0]!["id"]}/resend-invitation", null), 200);
        var secondLink = CapturedMail.Token(_host.Mail.Last("late@example.test"));
        secondLink.Should().NotBe(firstLink);
        await IamHost.Json(await anonymous.PostAsJsonAsync("/api/v1/auth/activate", new { token = secondLink }), 200);

        await IamHost.Json(await anonymous.PostAsJsonAsync("/api/v1/auth/magic-link", new { tenant = _host.TenantId, email = "late@example.test" }), 202);
        var signIn = CapturedMail.Token(_host.Mail.Last("late@example.test"));
        _host.Time.Advance(TimeSpan.FromMinutes(15));
        await IamHost.Json(await anonymous.PostAsJsonAsync("/api/v1/auth/magic-link/redeem", new { token = signIn }), 401);
    }

    [Fact]
    public async Task An_oidc_client_secret_is_encrypted_at_rest_and_never_returned()
    {
        var admin = _host.Client(_host.AdminToken);
        const string Secret = "very-secret-client-value-123";
        var created = await IamHost.Json(await admin.PostAsJsonAsync("/api/v1/settings/sso/oidc", new
        {
            name = "entra",
            provider = "entra",
            clientId = "11111111-2222-3333-4444-555555555555",
            clientSecret = Secret,
            tenant = "contoso.onmicrosoft.com",
        }), 201);

        created.ToJsonString().Should().NotContain(Secret);
        ((bool)created["oidc"]!["clientSecretSet"]!).Should().BeTrue();
        ((string)created["oidc"]!["issuer"]!).Should().Be("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0");
        (await (await admin.GetAsync("/api/v1/settings/sso")).Content.ReadAsStringAsync()).Should().NotContain(Secret);
        (await (await admin.GetAsync("/api/v1/config/export")).Content.ReadAsStringAsync()).Should().NotContain(Secret);

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_host.DatabasePath}");
        var stored = connection.QuerySingle<byte[]>("SELECT sealed_client_secret FROM sso_providers WHERE id = @id", new { id = (string)created["id"]! });
        Encoding.UTF8.GetString(stored).Should().NotContain(Secret);
        var all = await File.ReadAllBytesAsync(_host.DatabasePath);
        Encoding.UTF8.GetString(all).Should().NotContain(Secret);
        Encoding.UTF8.GetString(new SecretBox(_host.SecretKey).Open(stored)).Should().Be(Secret);
    }

    [Fact]
    public async Task Opening_the_emailed_link_shows_a_page_and_uses_nothing_up()
    {
        var admin = _host.Client(_host.AdminToken);
        await _host.InviteAsync(admin, "page@example.test");
        var message = _host.Mail.Last("page@example.test");
        var link = System.Text.RegularExpressions.Regex.Match(message.TextBody, @"http\S+/activate\?token=\S+").Value;
        var token = CapturedMail.Token(message);

        var page = await _host.Client().GetAsync("/activate?token=" + Uri.EscapeDataString(token));
        var html = await page.Content.ReadAsStringAsync();

        link.Should().Contain("/activate?token=argy_act_");
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("script-src 'self'");
        page.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
        html.Should().Contain("data-endpoint=\"/api/v1/auth/activate\"").And.NotContain(token);
        (await _host.Client().GetAsync("/sign-in.js")).Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        await IamHost.Json(await _host.Client().PostAsJsonAsync("/api/v1/auth/activate", new { token }), 200);
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        for (var i = 0; ; i++)
        {
            var value = await probe();
            if (done(value) || i == 100)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }
}
