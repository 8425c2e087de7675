using System.Globalization;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>/api/v1/device: what approvers (the CLI, the verification page) use to see and decide requests.</summary>
public static class DeviceApprovalEndpoints
{
    public static RouteGroupBuilder MapDeviceApprovalEndpoints(this RouteGroupBuilder api)
    {
        // Any valid API token may look up and decide a code; what it may approve is checked per request
        // (agents need agents:approve; a login is approved with the approver's own role).
        var device = api.MapGroup("/device").WithTags("Device flow approval").RequireAuthorization();

        device.MapGet("/requests", (HttpContext context, DeviceApprovalService service) =>
                TypedResults.Ok(new ItemsResponse<DeviceRequestResponse>(service.ListPending(context.Caller()))))
            .WithSummary("Pending requests, without their codes (agents:approve)");

        device.MapGet("/requests/{userCode}", (string userCode, HttpContext context, DeviceApprovalService service) =>
                Limited(context, () => TypedResults.Ok(service.Lookup(context.Caller(), userCode, OAuthEndpoints.SourceIp(context)))))
            .WithSummary("Show the request behind a user code before deciding: client, device, source IP (rate-limited)");

        device.MapPost("/approve", (ApproveDeviceRequest request, HttpContext context, DeviceApprovalService service) =>
                Limited(context, () => TypedResults.Ok(service.Approve(context.Caller(), request, OAuthEndpoints.SourceIp(context)))))
            .WithSummary("Approve the request behind a user code; for an agent, with its name and tags");

        device.MapPost("/deny", (DenyDeviceRequest request, HttpContext context, DeviceApprovalService service) =>
                Limited(context, () => TypedResults.Ok(service.Deny(context.Caller(), request, OAuthEndpoints.SourceIp(context)))))
            .WithSummary("Deny the request behind a user code");

        return api;
    }

    private static IResult Limited(HttpContext context, Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (DeviceRateLimitedException e)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(e.RetryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many wrong codes",
                detail: $"{e.Message} Retry after {seconds} s.");
        }
    }
}
