using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>The `argy` administration commands against the real control plane.</summary>
public sealed class AdminCliTests(IamFixture fixture) : IClassFixture<IamFixture>
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Users_teams_products_and_tokens_from_the_cli()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var email = $"cli-{tag}@example.test";
        var product = $"shop-{tag}";

        var createdProduct = await Ok("products", "create", "--name", product, "--json");
        var productId = (string)JsonNode.Parse(createdProduct)!["id"]!;
        var team = JsonNode.Parse(await Ok("teams", "create", "--name", $"Shop {tag}", "--json"))!;
        var teamId = (string)team["id"]!;
        (await Ok("teams", "grant", teamId, productId, "--permission", "write")).Should().Contain($"{product}:write");

        (await Ok("users", "invite", "--email", email, "--role", "PLATFORM_USER", "--teams", teamId)).Should().Contain($"invited {email} as PLATFORM_USER");
        var list = await Ok("users", "list", "--search", tag);
        list.Should().Contain(email).And.Contain($"Shop {tag}").And.Contain("Invited");

        // The invited person signs in with the link from the email, through the CLI.
        var link = await IamApi.ActivationLinkAsync(fixture.Mail, email);
        var login = await ArgyCli.RunAsync(ControlPlane, new TenantCredentials("", "unused"), "login", "--link", link);
        login.ExitCode.Should().Be(0, login.StandardError);
        var sessionToken = login.StandardOutput.Split('\n').Single(l => l.StartsWith("export ARGY_TOKEN=", StringComparison.Ordinal))["export ARGY_TOKEN=".Length..].Trim();
        var whoami = await ArgyCli.RunAsync(ControlPlane, new TenantCredentials("", sessionToken), "whoami");
        whoami.StandardOutput.Should().Contain(email).And.Contain("PLATFORM_USER").And.Contain("session");

        var userId = (string)JsonNode.Parse(await Ok("users", "list", "--search", email, "--json"))!["items"]![0]!["id"]!;
        var token = JsonNode.Parse(await Ok("tokens", "create", "--name", $"ci-{tag}", "--role", "PLATFORM_USER", "--products", product,
            "--user", userId, "--json"))!;
        (await Ok("tokens", "list")).Should().Contain($"ci-{tag}").And.Contain(userId).And.Contain(productId);

        (await Ok("users", "disable", userId)).Should().Contain("Disabled");
        var refused = await ArgyCli.RunAsync(ControlPlane, new TenantCredentials("", (string)token["token"]!), "agents", "list");
        refused.ExitCode.Should().Be(77, "a disabled user's token is refused: {0}", refused.StandardError);
        (await Ok("tokens", "revoke", (string)token["id"]!)).Should().Contain("revoked");
        (await Ok("products", "list")).Should().Contain(product).And.Contain($"Shop {tag}");

        var bad = await ArgyCli.RunAsync(ControlPlane, null, "users", "invite", "--email", "nope", "--role", "VIEWER");
        bad.ExitCode.Should().Be(2);
        bad.StandardError.Should().Contain("email");
    }

    private async Task<string> Ok(params string[] arguments)
    {
        var result = await ArgyCli.RunAsync(ControlPlane, null, arguments);
        result.ExitCode.Should().Be(0, "argy {0} failed: {1}", string.Join(' ', arguments), result.StandardError);
        return result.StandardOutput;
    }
}
