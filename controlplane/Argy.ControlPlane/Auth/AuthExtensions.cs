using Microsoft.AspNetCore.Authentication;

namespace Argy.ControlPlane.Auth;

public static class AuthExtensions
{
    public static IServiceCollection AddArgyAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokenStore>();
        services.AddAuthentication(ArgySchemes.Bearer)
            .AddPolicyScheme(ArgySchemes.Bearer, "API token, session or SCIM token", options => options.ForwardDefaultSelector = ArgySchemes.Select)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddArgyPermissions();
        return services;
    }

    private static void AddArgyPermissions(this Microsoft.AspNetCore.Authorization.AuthorizationBuilder builder)
    {
        foreach (var permission in Permissions.Names)
        {
            builder.AddPolicy(permission, policy => policy.RequireAuthenticatedUser().RequireRole(Permissions.RolesFor(permission)));
        }
    }
}
