namespace Argy.ControlPlane.Quotas;

/// <summary>How many deployments a tenant or an org may submit per rolling hour and per rolling day; null means no limit.</summary>
public sealed record DeploymentQuota(int? DeploymentsPerHour, int? DeploymentsPerDay)
{
    public static readonly DeploymentQuota Unlimited = new(null, null);

    public bool IsUnlimited => DeploymentsPerHour is null && DeploymentsPerDay is null;
}

/// <summary>Who a quota applies to.</summary>
public static class QuotaScopeType
{
    public const string Tenant = "tenant";
    public const string Org = "org";
}

/// <summary>One window a quota counts in.</summary>
public sealed record QuotaWindow(string Name, string Label, TimeSpan Length)
{
    public static readonly QuotaWindow Hour = new("1h", "hour", TimeSpan.FromHours(1));
    public static readonly QuotaWindow Day = new("1d", "day", TimeSpan.FromDays(1));
}
