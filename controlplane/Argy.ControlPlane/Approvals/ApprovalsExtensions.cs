namespace Argy.ControlPlane.Approvals;

public static class ApprovalsExtensions
{
    public static IServiceCollection AddArgyApprovals(this IServiceCollection services)
    {
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<ApprovalService>();
        return services;
    }
}
