namespace Argy.ControlPlane.DeviceFlow;

/// <summary>A public client allowed to use the device grant, and the one scope it may ask for.</summary>
public sealed record DeviceClient(string Id, string Scope, string DisplayName);

/// <summary>The clients the control plane knows. Both are public clients (RFC 6749 §2.1): they hold no secret.</summary>
public static class DeviceClients
{
    /// <summary>argy-agent enroll: the grant yields the agent's credential.</summary>
    public static readonly DeviceClient Agent = new("argy-agent", "agent", "Argy agent enrollment");

    /// <summary>argy login: the grant yields an API token with the approver's role.</summary>
    public static readonly DeviceClient Cli = new("argy-cli", "api", "argy CLI login");

    public static DeviceClient? Find(string? clientId) => clientId switch
    {
        "argy-agent" => Agent,
        "argy-cli" => Cli,
        _ => null,
    };
}
