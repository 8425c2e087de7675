using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Orgs;

public sealed record OrgRequest(string? Name, string? Description);

public sealed record TenantResponse(string Id, string Name, string DisplayName, DateTimeOffset CreatedAt);

public sealed record OrgResponse(string Id, string Name, string Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static OrgResponse From(OrgRow row) => new(row.Id, row.Name, row.Description, UnixMs.To(row.CreatedAt), UnixMs.To(row.UpdatedAt));
}

public static class OrgEndpoints
{
    public const string Header = "x-org-id";

    /// <summary>The org a request acts in: the one its x-org-id names (already checked), or the one the credential is bound to.</summary>
    public static string? EffectiveOrg(this HttpContext context) =>
        context.Request.Headers.TryGetValue(Header, out var named) && !string.IsNullOrWhiteSpace(named) ? named.ToString() : context.Caller().OrgId;

    public static RouteGroupBuilder MapOrgEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/tenant", (HttpContext context, Settings.TenantDirectory tenants) =>
            {
                var scope = context.Caller().Scope;
                var tenant = tenants.Get(scope);
                return TypedResults.Ok(new TenantResponse(tenant.Id, tenant.Name, tenants.DisplayName(scope), tenant.CreatedAt));
            })
            .RequireAuthorization()
            .WithTags("Orgs")
            .WithSummary("The caller's tenant: id, name and the name shown to people");

        var orgs = api.MapGroup("/orgs").WithTags("Orgs");

        orgs.MapPost("/", (OrgRequest request, HttpContext context, OrgStore store) =>
            {
                Validate(request, requireName: true);
                var row = store.Create(context.Caller().Scope, request.Name!.Trim(), request.Description ?? "")
                    ?? throw ApiProblemException.Conflict($"An org named '{request.Name}' already exists.");
                return TypedResults.Created($"/api/v1/orgs/{row.Id}", OrgResponse.From(row));
            })
            .RequireAuthorization(Permissions.OrgsManage)
            .WithSummary("Create an org");

        orgs.MapGet("/", (HttpContext context, OrgStore store) =>
                TypedResults.Ok(new ItemsResponse<OrgResponse>(store.List(context.Caller().Scope).Select(OrgResponse.From).ToList())))
            .RequireAuthorization(Permissions.OrgsRead)
            .WithSummary("List the tenant's orgs");

        orgs.MapGet("/{id}", (string id, HttpContext context, OrgStore store) =>
                TypedResults.Ok(OrgResponse.From(store.Get(context.Caller().Scope, id) ?? throw ApiProblemException.NotFound("org", id))))
            .RequireAuthorization(Permissions.OrgsRead)
            .WithSummary("Get an org");

        orgs.MapPatch("/{id}", (string id, OrgRequest request, HttpContext context, OrgStore store) =>
            {
                var scope = context.Caller().Scope;
                _ = store.Get(scope, id) ?? throw ApiProblemException.NotFound("org", id);
                Validate(request, requireName: false);
                if (!store.Update(scope, id, request.Name?.Trim(), request.Description))
                {
                    throw ApiProblemException.Conflict($"An org named '{request.Name}' already exists.");
                }

                return TypedResults.Ok(OrgResponse.From(store.Get(scope, id)!));
            })
            .RequireAuthorization(Permissions.OrgsManage)
            .WithSummary("Rename an org or change its description");

        orgs.MapDelete("/{id}", (string id, HttpContext context, OrgStore store) =>
            {
                var scope = context.Caller().Scope;
                _ = store.Get(scope, id) ?? throw ApiProblemException.NotFound("org", id);
                if (!store.Delete(scope, id))
                {
                    throw ApiProblemException.Conflict($"Org {id} still has users, teams, products or tokens.");
                }

                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.OrgsManage)
            .WithSummary("Delete an empty org");

        return api;
    }

    private static void Validate(OrgRequest request, bool requireName)
    {
        var errors = new FieldErrors();
        errors.Require(request.Name is null ? !requireName : FieldErrors.NamePattern().IsMatch(request.Name.Trim()), "name",
            "name is required: 1-100 characters, starting with a letter or digit.");
        errors.Require(request.Description is null || request.Description.Length <= 1000, "description", "description is at most 1000 characters.");
        errors.ThrowIfAny();
    }
}
