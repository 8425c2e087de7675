using Argy.ControlPlane.Users;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>Activation and sign-in links: single use, expiring, bound to their purpose.</summary>
public sealed class LinkTests : IDisposable
{
    private readonly IdentityHarness _h = new();

    [Fact]
    public void A_link_works_once_before_it_expires()
    {
        var user = _h.ActiveUser();
        var (token, expiresAt) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.SignIn, TimeSpan.FromMinutes(15), voidEarlier: false);

        expiresAt.Should().Be(_h.Time.GetUtcNow().AddMinutes(15));
        token.Should().StartWith("argy_mlk_");
        _h.Users.RedeemLink(LinkPurpose.Activation, token).Should().BeNull("a sign-in link is not an activation link");
        _h.Users.RedeemLink(LinkPurpose.SignIn, token)!.User.Id.Should().Be(user.Id);
        _h.Users.RedeemLink(LinkPurpose.SignIn, token).Should().BeNull("it was used");
    }

    [Fact]
    public void An_expired_link_is_refused()
    {
        var user = _h.ActiveUser();
        var (token, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.Activation, TimeSpan.FromDays(7), voidEarlier: true);

        _h.Time.Advance(TimeSpan.FromDays(7));

        _h.Users.RedeemLink(LinkPurpose.Activation, token).Should().BeNull();
    }

    [Fact]
    public void A_new_invitation_voids_the_earlier_link_and_disabling_voids_all()
    {
        var user = _h.ActiveUser();
        var (first, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.Activation, TimeSpan.FromDays(7), voidEarlier: true);
        var (second, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.Activation, TimeSpan.FromDays(7), voidEarlier: true);
        var (signIn, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.SignIn, TimeSpan.FromMinutes(15), voidEarlier: false);

        _h.Users.RedeemLink(LinkPurpose.Activation, first).Should().BeNull();
        _h.Users.SetStatus(_h.Tenant, user.Id, UserStatus.Disabled, "test", IdentityHarness.TestChange);
        _h.Users.RedeemLink(LinkPurpose.Activation, second).Should().BeNull();
        _h.Users.RedeemLink(LinkPurpose.SignIn, signIn).Should().BeNull();
    }

    [Fact]
    public void Concurrent_redemptions_of_one_link_have_one_winner()
    {
        var user = _h.ActiveUser();
        var (token, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.SignIn, TimeSpan.FromMinutes(15), voidEarlier: false);

        var winners = Enumerable.Range(0, 8).AsParallel().Count(_ => _h.Users.RedeemLink(LinkPurpose.SignIn, token) is not null);

        winners.Should().Be(1);
    }

    [Fact]
    public void Forged_links_are_refused()
    {
        var user = _h.ActiveUser();
        var (token, _) = _h.Users.CreateLink(_h.Tenant, user.Id, LinkPurpose.SignIn, TimeSpan.FromMinutes(15), voidEarlier: false);

        _h.Users.RedeemLink(LinkPurpose.SignIn, token[..^4] + "AAAA").Should().BeNull();
        _h.Users.RedeemLink(LinkPurpose.SignIn, "argy_mlk_nothing_here").Should().BeNull();
        _h.Users.RedeemLink(LinkPurpose.SignIn, token).Should().NotBeNull("failed attempts do not use the link up");
    }

    public void Dispose() => _h.Dispose();
}
