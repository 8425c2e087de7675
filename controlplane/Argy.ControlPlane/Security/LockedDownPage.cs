using System.Text;

namespace Argy.ControlPlane.Security;

/// <summary>
/// Serves the control plane's few browser pages (device verification, sign-in links) with headers that keep
/// them from being framed, sniffed, cached or leaking their URL (which may carry a one-time token) as a referrer.
/// </summary>
public static class LockedDownPage
{
    public static IResult Serve(HttpContext context, string content, string contentType, string securityPolicy)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = securityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return Results.Text(content, contentType, Encoding.UTF8);
    }
}
