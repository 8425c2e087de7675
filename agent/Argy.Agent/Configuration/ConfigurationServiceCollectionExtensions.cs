using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Configuration;

internal static class ConfigurationServiceCollectionExtensions
{
    public static IServiceCollection AddAgentOptions(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AgentOptions.SectionName);
        services.AddOptions<AgentOptions>()
            .Bind(section)
            .Configure(options =>
            {
                // Flags and environment variables give tags as one "a,b" string; it wins over a JSON array.
                var scalar = section[nameof(AgentOptions.Tags)];
                options.Tags = scalar is null ? AgentTags.Normalize(options.Tags) : AgentTags.Parse(scalar);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        return services;
    }

    /// <summary>Binds and validates the options outside a host, for the short-lived commands.</summary>
    public static AgentOptions LoadAgentOptions(IConfiguration configuration)
    {
        using var provider = new ServiceCollection().AddAgentOptions(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AgentOptions>>().Value;
    }
}
