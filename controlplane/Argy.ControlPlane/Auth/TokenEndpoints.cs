using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Auth;

public sealed record CreateTokenRequest(string? Name, string? Role, int? ExpiresInDays);

public sealed record TokenResponse(string Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public static TokenResponse From(ApiTokenRow row) => new(
        row.Id, row.Name, row.Role, UnixMs.To(row.CreatedAt), UnixMs.To(row.ExpiresAt), UnixMs.To(row.RevokedAt), UnixMs.To(row.LastUsedAt));
}

public sealed record CreatedTokenResponse(string Id, string Name, string Role, DateTimeOffset? ExpiresAt, string Token);

/// <summary>API tokens for CI systems and scripts: shown once at creation, stored hashed, revocable.</summary>
public static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokenEndpoints(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("API tokens").RequireAuthorization(Permissions.TokensManage);

        tokens.MapPost("/", (CreateTokenRequest request, HttpContext context, ApiTokenStore store, TimeProvider time) =>
            {
                var errors = new FieldErrors();
                errors.Require(request.Name is not null && FieldErrors.NamePattern().IsMatch(request.Name), "name",
                    "name is required: 1-100 characters, starting with a letter or digit.");
                errors.Require(request.Role is not null && Roles.All.Contains(request.Role), "role",
                    $"role must be one of: {string.Join(", ", Roles.All)}.");
                errors.Require(request.ExpiresInDays is null or (>= 1 and <= 3650), "expiresInDays", "expiresInDays must be between 1 and 3650.");
                errors.ThrowIfAny();

                var expiresAt = request.ExpiresInDays is { } days ? time.GetUtcNow().AddDays(days) : (DateTimeOffset?)null;
                var (row, token) = store.Create(context.Caller().Scope, request.Name!, request.Role!, expiresAt);
                return TypedResults.Created($"/api/v1/tokens/{row.Id}", new CreatedTokenResponse(row.Id, row.Name, row.Role, expiresAt, token));
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
