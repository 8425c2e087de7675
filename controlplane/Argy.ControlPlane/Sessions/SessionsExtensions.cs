using Argy.ControlPlane.Auth;
using Microsoft.AspNetCore.Authentication;

namespace Argy.ControlPlane.Sessions;

public static class SessionsExtensions
{
    public static IServiceCollection AddArgySessions(this IServiceCollection services)
    {
        services.AddOptions<SessionsOptions>().BindConfiguration(SessionsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<SignInService>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(ArgySchemes.Session, null);
        return services;
    }
}
