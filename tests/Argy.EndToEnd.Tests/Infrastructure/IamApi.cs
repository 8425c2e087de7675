using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>A control plane whose email goes to a loopback SMTP server, for user, session and access tests.</summary>
public sealed class IamFixture : IAsyncLifetime
{
    private ControlPlane? _controlPlane;

    public SmtpSink Mail { get; } = new();

    public ControlPlane ControlPlane => _controlPlane ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _controlPlane = await ControlPlane.StartAsync(Mail.Configure);

    public async Task DisposeAsync()
    {
        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
        }

        await Mail.DisposeAsync();
    }
}

/// <summary>People and their sessions through the REST API, as an admin and the invited person would do it.</summary>
public static class IamApi
{
    public static string UniqueEmail(string who = "user") => $"{who}-{Guid.NewGuid().ToString("N")[..8]}@example.test";

    public static async Task<JsonObject> InviteAsync(ApiClient admin, string email, string role = "PLATFORM_USER", params string[] teams)
    {
        var response = await admin.Http.PostAsJsonAsync("/api/v1/users", new { email, role, teams });
        return (await ApiClient.ExpectJson(response, 201))["user"]!.AsObject();
    }

    /// <summary>Waits for the invitation email and returns the activation link in it.</summary>
    public static async Task<string> ActivationLinkAsync(SmtpSink mail, string email) =>
        SmtpSink.LinkIn(await mail.WaitForAsync(email, "invited"), "activate");

    public static async Task<JsonObject> RedeemAsync(ControlPlane controlPlane, string path, string token, int expectedStatus = 200)
    {
        using var anonymous = new ApiClient(controlPlane.Url, null);
        var response = await anonymous.Http.PostAsJsonAsync(path, new { token });
        return expectedStatus == 200 ? await ApiClient.ExpectJson(response, 200) : await ApiClient.ExpectProblem(response, expectedStatus);
    }

    /// <summary>Invites a user, follows the activation link and returns the user's id and a client signed in as them.</summary>
    public static async Task<(string UserId, ApiClient Client)> SignedInUserAsync(IamFixture fixture, ApiClient admin, string role, params string[] teams)
    {
        var email = UniqueEmail(role.ToLowerInvariant());
        var user = await InviteAsync(admin, email, role, teams);
        var link = await ActivationLinkAsync(fixture.Mail, email);
        var session = await RedeemAsync(fixture.ControlPlane, "/api/v1/auth/activate", SmtpSink.TokenOf(link));
        return ((string)user["id"]!, new ApiClient(fixture.ControlPlane.Url, (string)session["accessToken"]!));
    }

    public static async Task<string> CreateTokenAsync(ApiClient admin, object request)
    {
        var created = await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/tokens", request), 201);
        return (string)created["token"]!;
    }
}

/// <summary>
/// The identity tests share one control plane (with its SMTP server) and run one after another: each works in
/// its own tenant or with unique names, and one process instead of one per class keeps the machine's load down.
/// </summary>
[CollectionDefinition(Name)]
public sealed class IamCollection : ICollectionFixture<IamFixture>
{
    public const string Name = "identity and access";
}
