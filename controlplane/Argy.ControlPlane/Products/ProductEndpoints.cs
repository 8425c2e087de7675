using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Products;

public sealed record CreateProductRequest(string? Name, string? Description);

public sealed record UpdateProductRequest(string? Description);

public sealed record ProductResponse(
    string Id, string Name, string Description, string? OrgId, IReadOnlyList<ProductTeam> Teams, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static ProductResponse From(ProductRow row, IReadOnlyList<ProductTeam> teams) => new(
        row.Id, row.Name, row.Description, row.OrgId, teams, row.CreatedBy, UnixMs.To(row.CreatedAt), UnixMs.To(row.UpdatedAt));
}

public static class ProductEndpoints
{
    public static RouteGroupBuilder MapProductEndpoints(this RouteGroupBuilder api)
    {
        var products = api.MapGroup("/products").WithTags("Products");

        products.MapPost("/", (CreateProductRequest request, HttpContext context, ProductStore store, ResourceQuotas quotas) =>
            {
                var caller = context.Caller();
                var errors = new FieldErrors();
                errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name), "name",
                    "name is required: 1-100 characters, starting with a letter or digit (deployments refer to it).");
                errors.Require(request.Description is null || request.Description.Length <= 1000, "description", "description is at most 1000 characters.");
                errors.ThrowIfAny();
                quotas.EnsureRoom(caller.Scope, QuotaKind.Products);
                var row = store.Create(caller.Scope, request.Name!, request.Description ?? "", caller.ActorId, context.EffectiveOrg())
                    ?? throw ApiProblemException.Conflict($"A product named '{request.Name}' already exists.");
                return TypedResults.Created($"/api/v1/products/{row.Id}", ProductResponse.From(row, []));
            })
            .RequireAuthorization(Permissions.ProductsManage)
            .WithSummary("Register a product");

        products.MapGet("/", (HttpContext context, ProductStore store) =>
            {
                var scope = context.Caller().Scope;
                return TypedResults.Ok(new ItemsResponse<ProductResponse>(
                    store.List(scope, context.EffectiveOrg()).Select(p => ProductResponse.From(p, store.Teams(scope, p.Id))).ToList()));
            })
            .RequireAuthorization(Permissions.ProductsRead)
            .WithSummary("List products with the teams that may use them");

        products.MapGet("/{id}", (string id, HttpContext context, ProductStore store) =>
            {
                var scope = context.Caller().Scope;
                return TypedResults.Ok(ProductResponse.From(Find(store, context, id), store.Teams(scope, id)));
            })
            .RequireAuthorization(Permissions.ProductsRead)
            .WithSummary("Get a product");

        products.MapPatch("/{id}", (string id, UpdateProductRequest request, HttpContext context, ProductStore store, ProductAccess access) =>
            {
                var caller = context.Caller();
                var product = Find(store, context, id);
                if (!access.CanAdminister(caller, product))
                {
                    throw new ApiProblemException(StatusCodes.Status403Forbidden, "Forbidden",
                        "Changing a product needs products:manage or a team with admin permission on it.");
                }

                if (request.Description is { Length: > 1000 })
                {
                    throw ApiProblemException.Validation(new Dictionary<string, string[]> { ["description"] = ["description is at most 1000 characters."] });
                }

                store.Update(caller.Scope, id, request.Description);
                return TypedResults.Ok(ProductResponse.From(Find(store, context, id), store.Teams(caller.Scope, id)));
            })
            .RequireAuthorization(Permissions.ProductsRead)
            .WithSummary("Change a product's description (products:manage, or a team with admin on the product)");

        products.MapDelete("/{id}", (string id, HttpContext context, ProductStore store) =>
            {
                var scope = context.Caller().Scope;
                Find(store, context, id);
                store.Delete(scope, id);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.ProductsManage)
            .WithSummary("Remove a product (its past runs keep its name)");

        return api;
    }

    // Another org's product answers 404 to a caller acting in an org, as it is missing from that caller's list.
    private static ProductRow Find(ProductStore store, HttpContext context, string id) =>
        store.Get(context.Caller().Scope, id, context.EffectiveOrg()) ?? throw ApiProblemException.NotFound("product", id);
}
