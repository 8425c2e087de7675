namespace Argy.ControlPlane.Security;

public sealed class SecretsOptions
{
    public const string Section = "Argy:Secrets";

    /// <summary>Base64 of a 32-byte key. When empty, a key file beside the database is used (created on first start).</summary>
    public string? Key { get; set; }

    /// <summary>Where the generated key lives when <see cref="Key"/> is not set. Defaults to the database path + ".key".</summary>
    public string? KeyFile { get; set; }
}
