using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Hosting;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// POST /oauth/device_authorization and POST /oauth/token (RFC 8628). Form-encoded in, JSON out, and errors as
/// the RFC's {"error", "error_description"} bodies rather than problem details, because OAuth clients parse those.
/// </summary>
public static class OAuthEndpoints
{
    private const int MaxFormBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapOAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var oauth = app.MapGroup("/oauth").WithTags("OAuth device flow").AllowAnonymous();

        oauth.MapPost("/device_authorization", (HttpContext context, DeviceAuthorizationService service, IOptions<DeviceFlowOptions> options) =>
                Answer(context, form =>
                {
                    var response = service.Authorize(form, SourceIp(context), VerificationUri(context, options.Value));
                    return Results.Json(response, OAuthJsonContext.Default.DeviceAuthorizationResponse);
                }))
            .WithSummary("RFC 8628 §3.1: get a device code and the user code a person approves");

        oauth.MapPost("/token", (HttpContext context, DeviceAuthorizationService service, BoundEndpoints bound, IOptions<AgentsOptions> agents) =>
                Answer(context, form =>
                {
                    var response = service.Poll(form, SourceIp(context), () => AgentEndpoints.GrpcUrlFor(context, bound, agents.Value));
                    return Results.Json(response, OAuthJsonContext.Default.DeviceTokenResponse);
                }))
            .WithSummary("RFC 8628 §3.4: poll with grant_type urn:ietf:params:oauth:grant-type:device_code");

        return app;
    }

    public static string SourceIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string VerificationUri(HttpContext context, DeviceFlowOptions options) =>
        options.VerificationUri is { Length: > 0 } configured
            ? configured
            : $"{context.Request.Scheme}://{context.Request.Host}{VerificationPage.Path}";

    private static async Task<IResult> Answer(HttpContext context, Func<IFormCollection, IResult> handle)
    {
        // Token responses carry credentials: never cached (RFC 6749 §5.1), errors included.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        try
        {
            if (!context.Request.HasFormContentType || context.Request.ContentLength > MaxFormBytes)
            {
                throw new OAuthException(OAuthErrors.InvalidRequest, "Send the parameters as application/x-www-form-urlencoded (at most 16 KiB).");
            }

            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                throw new OAuthException(OAuthErrors.InvalidRequest, "The form body could not be read.");
            }

            return handle(form);
        }
        catch (OAuthException e)
        {
            return Results.Json(new OAuthErrorResponse(e.Error, e.Message), OAuthJsonContext.Default.OAuthErrorResponse, statusCode: e.Status);
        }
    }
}
