using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Hosting;

public sealed record BootstrapResult(string TenantId, string TenantName, string TokenId, string Token);

/// <summary>Creates a tenant with its first admin API token: what an empty control plane needs to be usable.</summary>
public sealed class Bootstrapper(TenantStore tenants, ApiTokenStore tokens)
{
    public BootstrapResult? CreateTenant(string name)
    {
        if (tenants.FindByName(name) is not null)
        {
            return null;
        }

        var tenant = tenants.Create(name);
        var (row, token) = tokens.Create(TenantScope.Of(tenant.Id), "bootstrap admin", Roles.Admin);
        return new BootstrapResult(tenant.Id, tenant.Name, row.Id, token);
    }

    public static void PrintBanner(TextWriter output, BootstrapResult result, string? url)
    {
        output.WriteLine();
        output.WriteLine("==================================================================");
        output.WriteLine($" Created tenant '{result.TenantName}' ({result.TenantId}) and its admin API token.");
        output.WriteLine(" It is shown this once and stored only as a hash. Keep it safe:");
        output.WriteLine();
        output.WriteLine($"   export ARGY_TOKEN={result.Token}");
        if (url is not null)
        {
            output.WriteLine($"   export ARGY_URL={url}");
        }

        output.WriteLine("==================================================================");
        output.WriteLine();
        output.Flush();
    }
}
