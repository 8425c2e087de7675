using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.Sessions;

/// <summary>Session tokens: <c>Argy:Sessions</c>. Session length, inactivity and count limits are per-tenant security settings.</summary>
public sealed class SessionsOptions
{
    public const string Section = "Argy:Sessions";

    /// <summary>The JWT issuer (iss).</summary>
    [Required]
    public string Issuer { get; set; } = "argy";

    /// <summary>
    /// How long one access token (JWT) is valid. Short: a client refreshes it while its session lasts; revocation
    /// does not wait for it, because every request also checks the session record.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
