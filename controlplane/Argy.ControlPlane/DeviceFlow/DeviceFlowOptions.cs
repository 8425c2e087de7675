using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>The OAuth 2.0 device authorization grant (RFC 8628), section Argy:DeviceFlow.</summary>
public sealed class DeviceFlowOptions : IValidatableObject
{
    public const string Section = "Argy:DeviceFlow";

    /// <summary>How long a device code and its user code live (expires_in). RFC 8628's numbers assume at most 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "00:10:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The polling interval given to devices; each slow_down adds 5 s to it for that device.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The verification page's public address; derived from the request (https://host/device) when empty.</summary>
    public string? VerificationUri { get; set; }

    /// <summary>Lifetime of the API token `argy login` receives.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan LoginTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Pending requests at once, over all clients: bounds how many live codes a guess can hit.</summary>
    [Range(1, 10_000)]
    public int MaxPending { get; set; } = 50;

    /// <summary>Pending requests at once from one IP address.</summary>
    [Range(1, 10_000)]
    public int MaxPendingPerIp { get; set; } = 10;

    /// <summary>Wrong user codes (malformed ones included) one approver (API token) may enter per window.</summary>
    [Range(1, 1000)]
    public int WrongCodesPerApprover { get; set; } = 5;

    /// <summary>Wrong user codes from one IP address per window.</summary>
    [Range(1, 1000)]
    public int WrongCodesPerIp { get; set; } = 5;

    /// <summary>Wrong user codes per window from everyone together: the bound the guessing probability rests on.</summary>
    [Range(1, 10_000)]
    public int WrongCodesGlobal { get; set; } = 10;

    /// <summary>The sliding window of the wrong-code limits; at least the code lifetime, so a code's whole life is covered.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan WrongCodeWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether approvers may list pending requests (without their codes). Turn off on a control plane shared by
    /// tenants that should not see each other's waiting machines.
    /// </summary>
    public bool ListPending { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (WrongCodeWindow < CodeLifetime)
        {
            yield return new ValidationResult(
                "Argy:DeviceFlow:WrongCodeWindow must be at least CodeLifetime, or a code could face more guesses than the limit.",
                [nameof(WrongCodeWindow)]);
        }

        if (VerificationUri is { Length: > 0 } uri
            && (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("Argy:DeviceFlow:VerificationUri must be an absolute http(s) URL.", [nameof(VerificationUri)]);
        }
    }

    /// <summary>
    /// The chance that guessing finds a given live code during its lifetime: at most WrongCodesGlobal guesses fit
    /// in any window covering it, out of 20^8 possible codes.
    /// </summary>
    public double GuessProbabilityPerCode => WrongCodesGlobal / Math.Pow(UserCode.Alphabet.Length, UserCode.Length);
}
