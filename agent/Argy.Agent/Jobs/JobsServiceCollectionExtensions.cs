using Microsoft.Extensions.DependencyInjection;

namespace Argy.Agent.Jobs;

internal static class JobsServiceCollectionExtensions
{
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobRegistry>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobDrainer>();
        return services;
    }
}
