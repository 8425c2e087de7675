using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.Protocol;
using Microsoft.AspNetCore.Authentication;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// Keeps agents' API keys away from the user-token scheme. An agent request (its stream, its own REST calls)
/// carries <c>authorization: ApiKey ...</c> with <c>x-argy-agent-id</c>, and is authenticated by
/// <see cref="AgentAuthenticator"/> where it is served, which audits its own refusals. Left to the default
/// scheme, every such request was also judged as a malformed user token: a false <c>token.refused</c> audit
/// record and a warning for each agent connection, 10,000 of them when a fleet reconnects.
/// </summary>
public static class AgentCredentialScheme
{
    public const string Name = "AgentCredential";

    public static bool Carries(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        return authorization is not null
               && authorization.StartsWith(ProtocolHeaders.ApiKeyScheme + " ", StringComparison.OrdinalIgnoreCase)
               && request.Headers.ContainsKey(ProtocolHeaders.AgentId);
    }

    /// <summary>Routes agent credentials to <see cref="Name"/>, whose handler leaves the request anonymous.</summary>
    public static IServiceCollection AddAgentCredentialScheme(this IServiceCollection services)
    {
        services.AddAuthentication();
        services.Configure<AuthenticationOptions>(options => options.AddScheme<Handler>(Name, null));
        services.PostConfigure<PolicySchemeOptions>(ArgySchemes.Bearer, options =>
        {
            var select = options.ForwardDefaultSelector;
            options.ForwardDefaultSelector = context => Carries(context.Request) ? Name : select?.Invoke(context);
        });
        return services;
    }

    /// <summary>
    /// No user identity from an agent credential; endpoints that need one answer as to any anonymous caller. A
    /// plain handler, not an <c>AuthenticationHandler</c>: an agent's stream keeps its handlers for days, and that
    /// base class creates a logger per instance.
    /// </summary>
    internal sealed class Handler : IAuthenticationHandler
    {
        private static readonly Task<AuthenticateResult> Anonymous = Task.FromResult(AuthenticateResult.NoResult());

        private HttpContext? _context;

        public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
        {
            _context = context;
            return Task.CompletedTask;
        }

        public Task<AuthenticateResult> AuthenticateAsync() => Anonymous;

        public Task ChallengeAsync(AuthenticationProperties? properties)
        {
            _context!.Response.Headers.WWWAuthenticate = "Bearer";
            return ProblemWriter.WriteAsync(_context, StatusCodes.Status401Unauthorized, "Unauthorized",
                "This endpoint needs an API token: send Authorization: Bearer <token>. Agent credentials are accepted only on the agents' own endpoints.");
        }

        public Task ForbidAsync(AuthenticationProperties? properties) =>
            ProblemWriter.WriteAsync(_context!, StatusCodes.Status403Forbidden, "Forbidden", "Your credential's role does not allow this action.");
    }
}
