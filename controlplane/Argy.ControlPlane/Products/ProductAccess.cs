using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Teams;

namespace Argy.ControlPlane.Products;

/// <summary>
/// Who may deploy (and cancel runs of) which product. Admins and platform engineers may deploy any product, and a
/// product they name that does not exist yet is registered on first use. A signed-in user (or a token owned by
/// a user) with another role may deploy a product only when one of their teams has write or admin on it. A
/// token limited to products may deploy those only. A service-account token (no owner) without a product
/// limit is tenant-wide, as API tokens were before teams existed.
/// </summary>
public sealed class ProductAccess(ProductStore products, TeamStore teams)
{
    public ProductRow EnsureCanDeploy(Caller caller, string productName)
    {
        var product = Check(caller, productName, "deploy");
        return product ?? products.Ensure(caller.Scope, productName, caller.ActorId, caller.OrgId);
    }

    public void EnsureCanCancel(Caller caller, string productName) => Check(caller, productName, "cancel runs of");

    /// <summary>True when the caller may change the product: products:manage, or a team with admin on it.</summary>
    public bool CanAdminister(Caller caller, ProductRow product) =>
        Permissions.RolesFor(Permissions.ProductsManage).Contains(caller.Role)
        || (caller.UserId is not null && teams.PermissionOf(caller.Scope, caller.UserId, product.Id) == ProductPermission.Admin);

    private ProductRow? Check(Caller caller, string productName, string action)
    {
        var product = products.FindByName(caller.Scope, productName);
        if (caller.ProductScope is { } scope && (product is null || !scope.Contains(product.Id, StringComparer.Ordinal)))
        {
            throw Forbidden($"This API token is limited to other products: it may not {action} '{productName}'.");
        }

        var unrestricted = caller.Role is Roles.Admin or Roles.PlatformEngineer || caller.UserId is null;
        if (!unrestricted)
        {
            var permission = product is null ? null : teams.PermissionOf(caller.Scope, caller.UserId!, product.Id);
            if (ProductPermission.Rank(permission) < ProductPermission.Rank(ProductPermission.Write))
            {
                throw Forbidden(product is null
                    ? $"There is no product '{productName}', and only admins and platform engineers register products by deploying them."
                    : $"None of your teams has write access to product '{productName}', so you may not {action} it.");
            }
        }

        return product;
    }

    private static ApiProblemException Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail);
}
