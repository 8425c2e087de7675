using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Teams;

public sealed record ProductGrant(string? Product, string? Permission);

public sealed record CreateTeamRequest(string? Name, string? Description, string? Lead, IReadOnlyList<string>? Members, IReadOnlyList<ProductGrant>? Products);

/// <summary>Fields left null are not changed; lead "" removes the lead.</summary>
public sealed record UpdateTeamRequest(string? Name, string? Description, string? Lead);

public sealed record GrantRequest(string? Permission);

public sealed record TeamResponse(
    string Id,
    string Name,
    string Description,
    string? LeadUserId,
    string? OrgId,
    string? ExternalId,
    IReadOnlyList<TeamMember> Members,
    IReadOnlyList<TeamProduct> Products,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TeamResponse From(TeamRow row, IReadOnlyList<TeamMember> members, IReadOnlyList<TeamProduct> products) => new(
        row.Id, row.Name, row.Description, row.LeadUserId, row.OrgId, row.ExternalId, members, products, UnixMs.To(row.CreatedAt), UnixMs.To(row.UpdatedAt));
}
