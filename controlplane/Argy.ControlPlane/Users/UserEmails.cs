using Argy.ControlPlane.Email;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Users;

/// <summary>The messages sent to users, with links built from <see cref="UsersOptions.PublicUrl"/>.</summary>
public sealed class UserEmails(IOptions<UsersOptions> options)
{
    public const string ActivationPath = "activate";
    public const string SignInPath = "sign-in";

    public string Link(string path, string token) =>
        $"{options.Value.PublicUrl.TrimEnd('/')}/{path}?token={Uri.EscapeDataString(token)}";

    public EmailMessage Invitation(string to, string tenantName, string invitedBy, string token, DateTimeOffset expiresAt)
    {
        var link = Link(ActivationPath, token);
        return new EmailMessage(
            to,
            $"You are invited to {tenantName} on Argy",
            $"""
            {invitedBy} invited you to {tenantName} on Argy.

            Activate your account with this link (it works once and expires {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC):

            {link}

            From a terminal: argy login --link '{link}'

            If you did not expect this invitation, ignore this message.
            """);
    }

    public EmailMessage SignIn(string to, string tenantName, string token, DateTimeOffset expiresAt)
    {
        var link = Link(SignInPath, token);
        return new EmailMessage(
            to,
            $"Sign in to {tenantName} on Argy",
            $"""
            Use this link to sign in to {tenantName} on Argy. It works once and expires {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC:

            {link}

            From a terminal: argy login --link '{link}'

            If you did not ask to sign in, ignore this message: nobody can sign in without the link.
            """);
    }
}
