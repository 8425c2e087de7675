using System.Net;
using System.Net.Sockets;

namespace Argy.ControlPlane.Settings;

public sealed record IpAllowEntry(string Cidr, string? Description);

/// <summary>
/// The tenant's IP restriction: when enabled, only requests from an address inside one of the entries' CIDR
/// ranges (IPv4 or IPv6) are served. IPv4 clients reaching a dual-stack socket (::ffff:a.b.c.d) match IPv4 ranges.
/// </summary>
public sealed record IpAllowListSettings(bool Enabled, IReadOnlyList<IpAllowEntry> Entries)
{
    public static readonly IpAllowListSettings Default = new(false, []);

    public bool Allows(IPAddress? address)
    {
        if (!Enabled)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var entry in Entries)
        {
            if (TryParse(entry.Cidr, out var network) && network.Contains(normalized))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <c>a.b.c.d/n</c>, <c>x:y::/n</c> or a bare address (a /32 or /128); rejects host bits set after the prefix.</summary>
    public static bool TryParse(string? cidr, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(cidr) || cidr.Length > 64)
        {
            return false;
        }

        var text = cidr.Trim();
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            if (!IPAddress.TryParse(text, out var single) || single.ToString().Contains('%', StringComparison.Ordinal))
            {
                return false;
            }

            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        // A range written with host bits set (10.0.0.1/8) is refused rather than silently widened.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return IPAddress.TryParse(text.AsSpan(0, slash), out var written)
            && IPNetwork.TryParse(text, out network)
            && network.BaseAddress.Equals(written);
    }
}
