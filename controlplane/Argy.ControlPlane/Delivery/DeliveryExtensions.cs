using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Delivery;

public static class DeliveryExtensions
{
    public static IServiceCollection AddArgyDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddSingleton<DeliverySinkStore>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<WebhookClient>();
        services.AddSingleton<EmailNotifier>();
        services.AddSingleton<DeliverySinkService>();
        services.AddHostedService<DeliveryWorker>();
        return services;
    }
}
