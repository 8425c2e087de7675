namespace Argy.Cli.Api;

internal sealed record ApprovalDecision
{
    public string? Comment { get; init; }
}

/// <summary>A tenant's or org's deployment quota (null = no limit) and its use in the rolling hour and day.</summary>
internal sealed record DeploymentQuota
{
    public string Scope { get; init; } = "";

    public string? OrgId { get; init; }

    public int? DeploymentsPerHour { get; init; }

    public int? DeploymentsPerDay { get; init; }

    public int UsedLastHour { get; init; }

    public int UsedLastDay { get; init; }
}

internal sealed record DeploymentQuotas
{
    public DeploymentQuota Tenant { get; init; } = new();

    public DeploymentQuota[] Orgs { get; init; } = [];
}

/// <summary>The PUT body: both limits, null meaning none (written out, so the control plane clears it).</summary>
internal sealed record DeploymentQuotaSetting
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public int? DeploymentsPerHour { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public int? DeploymentsPerDay { get; init; }
}
