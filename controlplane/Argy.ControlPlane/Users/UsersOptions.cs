using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.Users;

/// <summary>Invitations and sign-in links: <c>Argy:Users</c>.</summary>
public sealed class UsersOptions : IValidatableObject
{
    public const string Section = "Argy:Users";

    /// <summary>The address people reach the control plane (or its console) at; links in emails start with it.</summary>
    [Required]
    public string PublicUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long an invitation's activation link stays valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan ActivationLinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a sign-in (magic) link stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan SignInLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in links a user may have outstanding at once; further requests send nothing until some expire or are used.</summary>
    [Range(1, 50)]
    public int MaxOutstandingSignInLinks { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Argy:Users:PublicUrl '{PublicUrl}' must be an absolute http(s) URL.", [nameof(PublicUrl)]);
        }
    }
}
