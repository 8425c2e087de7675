namespace Argy.ControlPlane.DeviceFlow;

public static class DeviceFlowExtensions
{
    public static IServiceCollection AddArgyDeviceFlow(this IServiceCollection services)
    {
        services.AddOptions<DeviceFlowOptions>().BindConfiguration(DeviceFlowOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeviceAuthorizationStore>();
        services.AddSingleton<WrongCodeLimiter>();
        services.AddSingleton<DeviceAuthorizationService>();
        services.AddSingleton<DeviceApprovalService>();
        return services;
    }

    /// <summary>The OAuth endpoints and the verification page (outside /api/v1: they are addressed by URL, not by API clients).</summary>
    public static IEndpointRouteBuilder MapDeviceFlow(this IEndpointRouteBuilder app)
    {
        app.MapOAuthEndpoints();
        app.MapVerificationPage();
        return app;
    }
}
