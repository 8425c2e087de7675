using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.Quotas;

public static class QuotaEndpoints
{
    public static RouteGroupBuilder MapQuotaEndpoints(this RouteGroupBuilder api)
    {
        var quotas = api.MapGroup("/quotas/deployments").WithTags("Quotas");

        quotas.MapGet("/", (HttpContext context, DeploymentQuotaService service) => TypedResults.Ok(service.Show(context.Caller().Scope)))
            .RequireAuthorization(Permissions.SettingsRead)
            .WithSummary("The tenant's and its orgs' deployment quotas, with the deployments in the last hour and day");

        quotas.MapPut("/", (DeploymentQuotaRequest request, HttpContext context, DeploymentQuotaService service) =>
                TypedResults.Ok(service.SetTenant(context.Caller(), request)))
            .RequireAuthorization(Permissions.SettingsManage)
            .WithSummary("Set the tenant's deployments per hour and per day (null = no limit)");

        quotas.MapPut("/orgs/{orgId}", (string orgId, DeploymentQuotaRequest request, HttpContext context, DeploymentQuotaService service) =>
                TypedResults.Ok(service.SetOrg(context.Caller(), orgId, request)))
            .RequireAuthorization(Permissions.SettingsManage)
            .WithSummary("Set an org's deployments per hour and per day (null = no limit)");

        return api;
    }
}
