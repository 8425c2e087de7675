namespace Argy.ControlPlane.Llm;

public static class LlmExtensions
{
    public static IServiceCollection AddArgyLlm(this IServiceCollection services)
    {
        services.AddSingleton<LlmCreditStore>();
        services.AddSingleton<LlmCreditService>();
        services.AddSingleton<LlmQuotaService>();
        return services;
    }
}
