namespace Argy.ControlPlane.Auth;

/// <summary>
/// The bearer credentials the control plane accepts, told apart by their shape: API tokens (<c>argy_pat_</c>),
/// SCIM tokens (<c>argy_scim_</c>) and session JWTs (three dot-separated parts). One default scheme forwards to the right one.
/// </summary>
public static class ArgySchemes
{
    public const string Bearer = "ArgyBearer";
    public const string Session = "Session";
    public const string Scim = "Scim";

    public static string Select(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return ApiTokenAuthenticationHandler.SchemeName;
        }

        var token = header.AsSpan("Bearer ".Length).Trim();
        if (token.StartsWith("argy_scim_", StringComparison.Ordinal))
        {
            return Scim;
        }

        return token.Count('.') == 2 && !token.StartsWith("argy_", StringComparison.Ordinal) ? Session : ApiTokenAuthenticationHandler.SchemeName;
    }
}
