namespace Argy.ControlPlane.Delivery;

/// <summary>The tables of delivery to other systems.</summary>
public static class DeliverySchema
{
    public const string Migration =
        """
        SELECT 1;
        """;
}
