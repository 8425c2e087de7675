using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Auth;

/// <summary>
/// A new API token. Products (ids or names) limit what it may deploy. It belongs to <c>userId</c> when given,
/// otherwise to the calling user (if any) unless <c>serviceAccount</c> is true; a user's token is refused while
/// the user is disabled and may not hold a role above the user's.
/// </summary>
public sealed record CreateTokenRequest(string? Name, string? Role, int? ExpiresInDays, IReadOnlyList<string>? Products = null, string? UserId = null, bool? ServiceAccount = null);

public sealed record TokenResponse(string Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public string? UserId { get; init; }

    public string? OrgId { get; init; }

    public IReadOnlyList<string>? Products { get; init; }

    public static TokenResponse From(ApiTokenRow row) => new(
        row.Id, row.Name, row.Role, UnixMs.To(row.CreatedAt), UnixMs.To(row.ExpiresAt), UnixMs.To(row.RevokedAt), UnixMs.To(row.LastUsedAt))
    {
        UserId = row.UserId,
        OrgId = row.OrgId,
        Products = row.Products is null ? null : Json.ReadList(row.Products),
    };
}

public sealed record CreatedTokenResponse(string Id, string Name, string Role, DateTimeOffset? ExpiresAt, string Token)
{
    public string? UserId { get; init; }

    public IReadOnlyList<string>? Products { get; init; }
}

/// <summary>API tokens for CI systems and scripts: shown once at creation, stored hashed, revocable.</summary>
public static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokenEndpoints(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("API tokens").RequireAuthorization(Permissions.TokensManage);

        tokens.MapPost("/", (CreateTokenRequest request, HttpContext context, ApiTokenStore store, TimeProvider time, Users.UserStore users,
                Products.ProductStore products, Settings.ResourceQuotas quotas) =>
            {
                var caller = context.Caller();
                var errors = new FieldErrors();
                errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name), "name",
                    "name is required: 1-100 characters, starting with a letter or digit.");
                errors.Require(request.Role is not null && Roles.All.Contains(request.Role), "role",
                    $"role must be one of: {string.Join(", ", Roles.All)}.");
                errors.Require(request.ExpiresInDays is null or (>= 1 and <= 3650), "expiresInDays", "expiresInDays must be between 1 and 3650.");
                errors.Require(request.Products is null or { Count: >= 1 and <= 100 }, "products", "products, when given, lists 1-100 products.");
                var productIds = new List<string>();
                foreach (var product in (request.Products ?? []).Distinct(StringComparer.Ordinal))
                {
                    var found = product is null ? null : products.Get(caller.Scope, product) ?? products.FindByName(caller.Scope, product);
                    errors.Require(found is not null, "products", $"No product '{product}' exists in your tenant.");
                    if (found is not null)
                    {
                        productIds.Add(found.Id);
                    }
                }

                var ownerId = request.ServiceAccount == true ? null : request.UserId ?? caller.UserId;
                errors.Require(request.ServiceAccount != true || request.UserId is null, "userId", "Give either userId or serviceAccount, not both.");
                var owner = ownerId is null ? null : users.Get(caller.Scope, ownerId);
                errors.Require(ownerId is null || owner is { IsActive: true }, "userId", $"No active user '{ownerId}' exists in your tenant.");
                errors.Require(owner is null || request.Role is null || !Roles.All.Contains(request.Role) || Permissions.Covers(owner.Role, request.Role), "role",
                    $"role {request.Role} exceeds the owner's role {owner?.Role}.");
                errors.ThrowIfAny();
                quotas.EnsureRoom(caller.Scope, Settings.QuotaKind.ApiTokens);

                var expiresAt = request.ExpiresInDays is { } days ? time.GetUtcNow().AddDays(days) : (DateTimeOffset?)null;
                var (row, token) = store.Create(caller.Scope, request.Name!, request.Role!, expiresAt,
                    new ApiTokenGrant(owner?.Id, owner?.OrgId ?? caller.OrgId, request.Products is null ? null : productIds, caller.ActorId));
                return TypedResults.Created($"/api/v1/tokens/{row.Id}", new CreatedTokenResponse(row.Id, row.Name, row.Role, expiresAt, token)
                {
                    UserId = row.UserId,
                    Products = request.Products is null ? null : productIds,
                });
            })
            .WithSummary("Create an API token; the token is in this response only");

        tokens.MapGet("/", (HttpContext context, ApiTokenStore store) =>
                TypedResults.Ok(new ItemsResponse<TokenResponse>(store.List(context.Caller().Scope).Select(TokenResponse.From).ToList())))
            .WithSummary("List API tokens (never their secrets)");

        tokens.MapPost("/{id}/revoke", (string id, HttpContext context, ApiTokenStore store) =>
            {
                var scope = context.Caller().Scope;
                if (store.Get(scope, id) is null)
                {
                    throw ApiProblemException.NotFound("API token", id);
                }

                store.Revoke(scope, id);
                return TypedResults.Ok(TokenResponse.From(store.Get(scope, id)!));
            })
            .WithSummary("Revoke an API token: refused from the next request on");

        return api;
    }
}
