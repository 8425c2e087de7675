using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Products;

namespace Argy.ControlPlane.Approvals;

public static class ApprovalEndpoints
{
    public static RouteGroupBuilder MapApprovalEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals", (int? limit, HttpContext context, ApprovalService service) =>
                TypedResults.Ok(new ItemsResponse<Deployments.DeploymentResponse>(service.Pending(context.Caller().Scope, limit))))
            .RequireAuthorization(Permissions.DeploymentsApprove)
            .WithTags("Approvals")
            .WithSummary("Deployments waiting for approval, oldest first");

        api.MapPost("/deployments/{runId}/approve", (string runId, ApprovalDecisionRequest? request, HttpContext context, ApprovalService service) =>
                TypedResults.Ok(service.Approve(context.Caller(), runId, request)))
            .RequireAuthorization(Permissions.DeploymentsApprove)
            .WithTags("Approvals")
            .WithSummary("Approve a deployment waiting for approval (not your own): it is queued and dispatched at once");

        api.MapPost("/deployments/{runId}/reject", (string runId, ApprovalDecisionRequest? request, HttpContext context, ApprovalService service) =>
                TypedResults.Ok(service.Reject(context.Caller(), runId, request)))
            .RequireAuthorization(Permissions.DeploymentsApprove)
            .WithTags("Approvals")
            .WithSummary("Reject a deployment waiting for approval (not your own) with a comment: it ends Rejected");

        api.MapGet("/products/{id}/approval", (string id, HttpContext context, ProductStore products) =>
                TypedResults.Ok(Describe(Find(products, context, id))))
            .RequireAuthorization(Permissions.ProductsRead)
            .WithTags("Approvals")
            .WithSummary("Whether a product's deployments need approval, and for which tags");

        api.MapPut("/products/{id}/approval", (string id, ApprovalRuleRequest request, HttpContext context, ProductStore products, ApprovalStore store) =>
            {
                var errors = new FieldErrors();
                errors.Require(request.Required is not null, "required", "required (true or false) is required.");
                errors.Tags(request.Tags, "tags");
                errors.ThrowIfAny();
                var product = Find(products, context, id);
                var rule = request.Required is true
                    ? new ApprovalRule(true, (request.Tags ?? []).Distinct(StringComparer.Ordinal).ToList())
                    : ApprovalRule.None;
                store.SetRule(context.Caller().Scope, product, rule);
                return TypedResults.Ok(Describe(Find(products, context, id)));
            })
            .RequireAuthorization(Permissions.ProductsManage)
            .WithTags("Approvals")
            .WithSummary("Require approval for a product's deployments (optionally only those with one of the given tags), or stop requiring it");

        return api;
    }

    private static ProductRow Find(ProductStore products, HttpContext context, string id) =>
        products.Get(context.Caller().Scope, id, context.EffectiveOrg()) ?? throw ApiProblemException.NotFound("product", id);

    private static ApprovalRuleResponse Describe(ProductRow product)
    {
        var rule = ApprovalRule.Of(product);
        return new ApprovalRuleResponse(product.Id, product.Name, rule.Required, rule.Tags);
    }
}
