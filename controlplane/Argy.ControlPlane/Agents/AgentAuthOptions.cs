using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.Agents;

/// <summary>How agents prove who they are (section Argy:AgentAuth).</summary>
public sealed class AgentAuthOptions : IValidatableObject
{
    public const string Section = "Argy:AgentAuth";

    /// <summary>
    /// The mode of credentials issued from now on (at enrollment and rotation): <c>hmac</c> signs the stream's
    /// metadata and every message with a secret that never travels again (SaaS); <c>apikey</c> sends the
    /// credential in the metadata, compared with its stored hash (on-prem). Agents keep the mode of the
    /// credential they hold until they rotate it.
    /// </summary>
    public string Mode { get; set; } = AgentAuthModes.Hmac;

    /// <summary>Largest accepted difference between an agent's clock and the control plane's, at most 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the previous credential stays valid after a rotation, so a running agent can switch without downtime.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RotationGracePeriod { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AgentAuthModes.IsKnown(Mode))
        {
            yield return new ValidationResult($"Argy:AgentAuth:Mode must be '{AgentAuthModes.Hmac}' or '{AgentAuthModes.ApiKey}' (was '{Mode}').", [nameof(Mode)]);
        }
    }
}

public static class AgentAuthModes
{
    public const string Hmac = "hmac";
    public const string ApiKey = "apikey";

    public static bool IsKnown(string? mode) => mode is Hmac or ApiKey;
}
