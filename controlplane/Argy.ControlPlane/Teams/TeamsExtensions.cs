namespace Argy.ControlPlane.Teams;

public static class TeamsExtensions
{
    public static IServiceCollection AddArgyTeams(this IServiceCollection services)
    {
        services.AddSingleton<TeamStore>();
        services.AddSingleton<TeamService>();
        return services;
    }
}
