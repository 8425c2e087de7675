using System.Text.Json.Nodes;
using Argy.EndToEnd.Tests.Infrastructure;
using Argy.Tests.Shared;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>The `argy` administration commands against the real control plane.</summary>
[Collection(IamCollection.Name)]
public sealed class AdminCliTests(IamFixture fixture)
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

    [Fact]
    public async Task Settings_sso_scim_and_config_transfer_from_the_cli()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var source = await ControlPlane.CreateTenantAsync("cli-src-" + tag);
        var target = await ControlPlane.CreateTenantAsync("cli-dst-" + tag);
        using var directory = new TempDirectory("argy-cli-config");

        (await Ok(source, "settings", "set", "security", "--data", """{"sessionDurationMinutes": 600, "inactivityTimeoutMinutes": 45, "maxSessionsPerUser": 2}"""))
            .Should().Contain("\"maxSessionsPerUser\": 2");
        (await Ok(source, "settings", "get", "security")).Should().Contain("\"inactivityTimeoutMinutes\": 45");
        await Ok(source, "settings", "set", "llm-filter", "--data", """{"piiMode": "Block", "secretsMode": "Block", "outputPolicy": "Mask"}""");

        var lockout = await ArgyCli.RunAsync(ControlPlane, source, "settings", "ip-allowlist", "--range", "203.0.113.0/24=office");
        lockout.ExitCode.Should().Be(2);
        lockout.StandardError.Should().Contain("force=true");
        (await Ok(source, "settings", "ip-allowlist", "--range", "127.0.0.0/8=loopback", "--range", "::1/128=loopback v6")).Should().Contain("is allowed");

        var variable = "ARGY_TEST_SECRET_" + tag;
        Environment.SetEnvironmentVariable(variable, "cli-client-secret");
        (await Ok(source, "settings", "sso", "add-oidc", "--name", "okta", "--provider", "okta", "--client-id", "0oa9", "--client-secret-env", variable, "--domain", "cli.okta.com"))
            .Should().Contain("issuer https://cli.okta.com");
        var metadata = directory.Combine("idp.xml");
        await File.WriteAllTextAsync(metadata, SamlSample.IdpMetadata());
        var saml = await Ok(source, "settings", "sso", "add-saml", "--name", "adfs", "--metadata", metadata, "--email-attribute", "mail");
        var samlId = saml.Split(' ')[2];
        (await Ok(source, "settings", "sso", "sp-metadata", samlId)).Should().Contain("SPSSODescriptor");
        (await Ok(source, "settings", "sso", "list")).Should().Contain("okta").And.Contain("https://idp.example.test/saml").And.Contain("enforced: false");
        (await Ok(source, "settings", "scim-token")).Should().Contain("argy_scim_").And.Contain("/scim/v2");
        await Ok(source, "products", "create", "--name", "web");
        var team = JsonNode.Parse(await Ok(source, "teams", "create", "--name", "Web team", "--json"))!;
        var product = JsonNode.Parse(await Ok(source, "products", "list", "--json"))!["items"]![0]!;
        await Ok(source, "teams", "grant", (string)team["id"]!, (string)product["id"]!, "--permission", "admin");

        var file = directory.Combine("config.json");
        (await Ok(source, "config", "export", "--output", file)).Should().Contain(file);
        (await File.ReadAllTextAsync(file)).Should().NotContain("cli-client-secret");
        var preview = await Ok(target, "config", "import", "--file", file);
        preview.Should().Contain("+ teams: team Web team (create)").And.Contain("+ sso: provider okta (create)").And.Contain("--yes");
        (await Ok(target, "config", "import", "--file", file, "--yes")).Should().Contain("applied");
        (await Ok(target, "config", "import", "--file", file)).Should().Contain("nothing to change");
        (await Ok(target, "teams", "list")).Should().Contain("Web team").And.Contain("web:admin");
    }

    private async Task<string> Ok(TenantCredentials tenant, params string[] arguments)
    {
        var result = await ArgyCli.RunAsync(ControlPlane, tenant, arguments);
        result.ExitCode.Should().Be(0, "argy {0} failed: {1}", string.Join(' ', arguments), result.StandardError);
        return result.StandardOutput;
    }

    private async Task<string> Ok(params string[] arguments)
    {
        var result = await ArgyCli.RunAsync(ControlPlane, null, arguments);
        result.ExitCode.Should().Be(0, "argy {0} failed: {1}", string.Join(' ', arguments), result.StandardError);
        return result.StandardOutput;
    }
}
