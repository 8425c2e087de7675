using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Tenancy;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Storage;

public static class StorageExtensions
{
    public static IServiceCollection AddArgyStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section)
            .PostConfigure<IOptions<StorageOptions>>((secrets, storage) =>
                secrets.KeyFile ??= Path.GetFullPath(storage.Value.DatabasePath) + ".key");
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Database>();
        services.AddSingleton<SecretBox>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton<Bootstrapper>();
        return services;
    }
}
