using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.ConfigTransfer;

public static class ConfigTransferEndpoints
{
    public static IServiceCollection AddArgyConfigTransfer(this IServiceCollection services) => services.AddSingleton<ConfigTransferService>();

    public static RouteGroupBuilder MapConfigTransferEndpoints(this RouteGroupBuilder api)
    {
        var config = api.MapGroup("/config").WithTags("Configuration export and import");

        config.MapGet("/export", (string? sections, HttpContext c, ConfigTransferService s) =>
                TypedResults.Ok(s.Export(c.Caller().Scope, sections?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))))
            .RequireAuthorization(Permissions.SettingsRead)
            .WithSummary("Export sections (sso, quotas, teams, policies, branding; default all) as JSON, without secrets");

        config.MapPost("/import/preview", (ImportRequest request, HttpContext c, ConfigTransferService s) =>
                TypedResults.Ok(s.Preview(c.Caller().Scope, request.Document)))
            .RequireAuthorization(Permissions.SettingsManage)
            .WithSummary("What importing the document would change, and the fingerprint to confirm it with; changes nothing");

        config.MapPost("/import", (ImportRequest request, HttpContext c, ConfigTransferService s) =>
                TypedResults.Ok(s.Apply(c.Caller(), request, c.Connection.RemoteIpAddress)))
            .RequireAuthorization(Permissions.SettingsManage)
            .WithSummary("Apply the document atomically; confirm must be the fingerprint from the preview of the same document and state");

        return api;
    }
}
