namespace Argy.ControlPlane.Orgs;

public static class OrgsExtensions
{
    public static IServiceCollection AddArgyOrgs(this IServiceCollection services) => services.AddSingleton<OrgStore>();
}
