using Microsoft.Extensions.DependencyInjection;

namespace Argy.Agent.Isolation;

internal static class IsolationServiceCollectionExtensions
{
    /// <summary>Registers the sandbox selection and its start-up check; call before the connection is added.</summary>
    public static IServiceCollection AddIsolation(this IServiceCollection services)
    {
        services.AddSingleton<IsolationSelector>();
        services.AddSingleton(sp => new JobIsolation(() => sp.GetRequiredService<IsolationSelector>().SelectAsync(CancellationToken.None)));
        services.AddHostedService<IsolationCheck>();
        return services;
    }
}
