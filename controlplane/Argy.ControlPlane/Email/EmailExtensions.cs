using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Email;

public static class EmailExtensions
{
    public static IServiceCollection AddArgyEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddSingleton<IEmailTransport>(provider =>
            provider.GetRequiredService<IOptions<EmailOptions>>().Value.Mode == EmailMode.Smtp
                ? ActivatorUtilities.CreateInstance<SmtpTransport>(provider)
                : ActivatorUtilities.CreateInstance<PickupDirectoryTransport>(provider));
        services.AddSingleton<EmailSender>();
        services.AddSingleton<IEmailOutbox>(provider => provider.GetRequiredService<EmailSender>());
        services.AddHostedService(provider => provider.GetRequiredService<EmailSender>());
        return services;
    }
}
