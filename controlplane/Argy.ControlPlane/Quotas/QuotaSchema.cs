namespace Argy.ControlPlane.Quotas;

/// <summary>The tables of deployment quotas and approvals.</summary>
public static class QuotaSchema
{
    public const string Migration =
        """
        SELECT 1;
        """;
}
