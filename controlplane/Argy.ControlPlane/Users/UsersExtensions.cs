namespace Argy.ControlPlane.Users;

public static class UsersExtensions
{
    public static IServiceCollection AddArgyUsers(this IServiceCollection services)
    {
        services.AddOptions<UsersOptions>().BindConfiguration(UsersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UserStore>();
        services.AddSingleton<UserEmails>();
        services.AddSingleton<UserService>();
        return services;
    }
}
