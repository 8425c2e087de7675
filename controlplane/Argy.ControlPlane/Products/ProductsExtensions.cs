namespace Argy.ControlPlane.Products;

public static class ProductsExtensions
{
    public static IServiceCollection AddArgyProducts(this IServiceCollection services)
    {
        services.AddSingleton<ProductStore>();
        services.AddSingleton<ProductAccess>();
        return services;
    }
}
