using Argy.Agent.Isolation;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.Agent.Jobs;

internal static class JobsServiceCollectionExtensions
{
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        // First: the sandbox must be settled before the connection can hand out work.
        services.AddIsolation();
        services.AddSingleton<JobRegistry>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobDrainer>();
        return services;
    }
}
