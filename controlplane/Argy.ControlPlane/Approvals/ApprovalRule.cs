using Argy.ControlPlane.Products;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Approvals;

/// <summary>
/// Whether a product's deployments need approval: none, every one (no tags), or those whose tags include one of
/// the rule's tags (e.g. <c>env:prod</c>). Kept in <c>products.approval</c> as a JSON list of tags, null when off.
/// </summary>
public sealed record ApprovalRule(bool Required, IReadOnlyList<string> Tags)
{
    public static readonly ApprovalRule None = new(false, []);

    public static ApprovalRule Of(ProductRow product) => product.Approval is null ? None : new(true, Json.ReadList(product.Approval));

    public string? ToColumn() => Required ? Json.Write(Tags) : null;

    public bool Applies(IReadOnlyList<string> runTags) =>
        Required && (Tags.Count == 0 || runTags.Any(tag => Tags.Contains(tag, StringComparer.Ordinal)));
}
