using Argy.ControlPlane.Sessions;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>Session lifetimes, limits and revocation, driven by a fake clock.</summary>
public sealed class SessionTests : IDisposable
{
    private readonly IdentityHarness _h = new(new SessionsOptions { AccessTokenLifetime = TimeSpan.FromMinutes(15) });

    [Fact]
    public async Task A_session_token_is_an_RS256_JWT_accepted_until_it_expires_and_refresh_gives_a_new_one()
    {
        var user = _h.ActiveUser();
        var issued = _h.Service.Start(user, SignInMethod.MagicLink, "127.0.0.1", "tests");

        var header = System.Text.Json.JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(issued.AccessToken.Split('.')[0]));
        header.RootElement.GetProperty("alg").GetString().Should().Be("RS256");
        (await _h.Service.AuthenticateAsync(issued.AccessToken)).Principal.Should().NotBeNull();

        _h.Time.Advance(TimeSpan.FromMinutes(14));
        var refreshed = _h.Service.Refresh(_h.Tenant, issued.Session.Id);
        _h.Time.Advance(TimeSpan.FromMinutes(2));

        (await _h.Service.AuthenticateAsync(issued.AccessToken)).Failure.Should().Contain("expired");
        (await _h.Service.AuthenticateAsync(refreshed.AccessToken)).Principal.Should().NotBeNull();
    }

    [Fact]
    public async Task A_session_ends_after_the_tenants_inactivity_limit_and_at_its_maximum_duration()
    {
        _h.Settings.Save(_h.Tenant, SettingsSections.Security, new SecuritySettings(60, 20, 5), "test");
        var user = _h.ActiveUser();
        var idle = _h.Service.Start(user, SignInMethod.MagicLink, null, null);
        var busy = _h.Service.Start(user, SignInMethod.MagicLink, null, null);

        for (var minute = 10; minute <= 50; minute += 10)
        {
            _h.Time.Advance(TimeSpan.FromMinutes(10));
            var token = _h.Service.Refresh(_h.Tenant, busy.Session.Id).AccessToken;
            (await _h.Service.AuthenticateAsync(token)).Principal.Should().NotBeNull($"the busy session is used every 10 minutes (minute {minute})");
        }

        var idleAgain = _h.Service.Refresh(_h.Tenant, idle.Session.Id).AccessToken;
        (await _h.Service.AuthenticateAsync(idleAgain)).Failure.Should().Contain("inactivity");

        _h.Time.Advance(TimeSpan.FromMinutes(10));
        var late = _h.Service.Refresh(_h.Tenant, busy.Session.Id);
        late.AccessTokenExpiresAt.Should().Be(_h.Time.GetUtcNow(), "a token never outlives its session");
        (await _h.Service.AuthenticateAsync(late.AccessToken)).Principal.Should().BeNull();
    }

    [Fact]
    public async Task Starting_more_sessions_than_allowed_evicts_the_oldest()
    {
        _h.Settings.Save(_h.Tenant, SettingsSections.Security, new SecuritySettings(600, 60, 2), "test");
        var user = _h.ActiveUser();
        var first = _h.Service.Start(user, SignInMethod.MagicLink, null, null);
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var second = _h.Service.Start(user, SignInMethod.MagicLink, null, null);
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var third = _h.Service.Start(user, SignInMethod.MagicLink, null, null);

        (await _h.Service.AuthenticateAsync(first.AccessToken)).Failure.Should().Contain("maximum number of sessions");
        (await _h.Service.AuthenticateAsync(second.AccessToken)).Principal.Should().NotBeNull();
        (await _h.Service.AuthenticateAsync(third.AccessToken)).Principal.Should().NotBeNull();
    }

    [Fact]
    public async Task Disabling_the_user_or_ending_the_session_refuses_its_token_on_the_next_check()
    {
        var user = _h.ActiveUser();
        var ended = _h.Service.Start(user, SignInMethod.MagicLink, null, null);
        var other = _h.Service.Start(user, SignInMethod.MagicLink, null, null);

        _h.Service.End(_h.Tenant, ended.Session.Id, "signed out");
        (await _h.Service.AuthenticateAsync(ended.AccessToken)).Failure.Should().Contain("signed out");
        (await _h.Service.AuthenticateAsync(other.AccessToken)).Principal.Should().NotBeNull();

        _h.Users.SetStatus(_h.Tenant, user.Id, UserStatus.Disabled, "disabled by test", IdentityHarness.TestChange);
        (await _h.Service.AuthenticateAsync(other.AccessToken)).Principal.Should().BeNull();

        // Enabling again does not bring old sessions back: their version is behind.
        _h.Users.SetStatus(_h.Tenant, user.Id, UserStatus.Active, "enabled by test", IdentityHarness.TestChange);
        (await _h.Service.AuthenticateAsync(other.AccessToken)).Principal.Should().BeNull();
    }

    [Fact]
    public async Task The_principal_carries_the_users_current_role_and_tenant()
    {
        var user = _h.ActiveUser("VIEWER");
        var issued = _h.Service.Start(user, SignInMethod.MagicLink, null, null);
        _h.SetRole(user.Id, "PLATFORM_PM");

        var principal = (await _h.Service.AuthenticateAsync(issued.AccessToken)).Principal!;
        var caller = Auth.Caller.From(principal);

        caller.Role.Should().Be("PLATFORM_PM");
        caller.Scope.Should().Be(_h.Tenant);
        caller.UserId.Should().Be(user.Id);
        caller.SessionId.Should().Be(issued.Session.Id);
    }

    [Fact]
    public async Task Keys_are_per_tenant_and_tampered_or_foreign_tokens_are_refused()
    {
        var other = TenantScope.Of(_h.Tenants.Create("globex").Id);
        var issued = _h.Service.Start(_h.ActiveUser(), SignInMethod.MagicLink, null, null);
        var key = _h.Keys.Current(_h.Tenant);

        _h.Keys.Find(other, key.KeyId).Should().BeNull("a tenant never verifies with another tenant's key");
        _h.Keys.Current(other).KeyId.Should().NotBe(key.KeyId);
        var parts = issued.AccessToken.Split('.');
        var payload = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]).Replace(_h.Tenant.TenantId, other.TenantId, StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        (await _h.Service.AuthenticateAsync(forged)).Principal.Should().BeNull();
        (await _h.Service.AuthenticateAsync(issued.AccessToken[..^3] + "AAA")).Principal.Should().BeNull();
        (await _h.Service.AuthenticateAsync("a.b.c")).Principal.Should().BeNull();
    }

    public void Dispose() => _h.Dispose();
}
