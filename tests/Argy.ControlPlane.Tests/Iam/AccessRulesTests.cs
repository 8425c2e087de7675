using System.Net;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Settings;

namespace Argy.ControlPlane.Tests.Iam;

public sealed class AccessRulesTests
{
    [Theory]
    [InlineData("203.0.113.7", true)]
    [InlineData("203.0.113.255", true)]
    [InlineData("203.0.114.1", false)]
    [InlineData("::ffff:203.0.113.9", true)]
    [InlineData("2001:db8:1::42", true)]
    [InlineData("2001:db8:2::42", false)]
    [InlineData("198.51.100.10", true)]
    [InlineData("198.51.100.11", false)]
    [InlineData("::1", false)]
    public void The_allow_list_matches_IPv4_and_IPv6_ranges(string address, bool allowed)
    {
        var list = new IpAllowListSettings(true, [
            new IpAllowEntry("203.0.113.0/24", "office"),
            new IpAllowEntry("2001:db8:1::/48", "vpn v6"),
            new IpAllowEntry("198.51.100.10", "bastion"),
        ]);

        list.Allows(IPAddress.Parse(address)).Should().Be(allowed);
    }

    [Fact]
    public void A_disabled_list_allows_everything_and_an_enabled_empty_one_nothing()
    {
        new IpAllowListSettings(false, []).Allows(IPAddress.Parse("192.0.2.1")).Should().BeTrue();
        new IpAllowListSettings(true, []).Allows(IPAddress.Parse("192.0.2.1")).Should().BeFalse();
        new IpAllowListSettings(true, [new IpAllowEntry("0.0.0.0/0", null)]).Allows(null).Should().BeFalse();
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.0.0.1/8", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("fe80::/10", true)]
    [InlineData("not-an-ip", false)]
    [InlineData("", false)]
    [InlineData("::1", true)]
    public void Cidr_parsing_is_strict(string cidr, bool valid) => IpAllowListSettings.TryParse(cidr, out _).Should().Be(valid);

    [Fact]
    public void A_role_covers_the_roles_whose_permissions_it_holds()
    {
        Permissions.Covers(Roles.Admin, Roles.User).Should().BeTrue();
        Permissions.Covers(Roles.PlatformEngineer, Roles.User).Should().BeTrue();
        Permissions.Covers(Roles.User, Roles.PlatformEngineer).Should().BeFalse();
        Permissions.Covers(Roles.Viewer, Roles.User).Should().BeFalse();
        foreach (var role in Roles.All)
        {
            Permissions.Covers(Roles.Admin, role).Should().BeTrue();
            Permissions.Covers(role, role).Should().BeTrue();
        }
    }
}
