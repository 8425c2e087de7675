using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Settings;

internal static class SettingsCommand
{
    private static readonly string[] Sections = ["security", "ip-allowlist", "branding", "llm-filter", "quotas", "scim"];

    public static Command Create(CommandRunner runner) =>
        new("settings", "Tenant settings: security, IP allow-list, branding, LLM filter, quotas, SSO and SCIM")
        {
            Get(runner), Set(runner), AllowIp(runner), Sso(runner), ScimToken(runner),
        };

    private static Command Get(CommandRunner runner)
    {
        var section = new Argument<string>("section") { Description = string.Join(", ", Sections) };
        section.AcceptOnlyFromAmong(Sections);
        var command = new Command("get", "Print a settings section as JSON") { section };
        command.SetRequestAction(runner, null, p => (HttpMethod.Get, Path("settings", p.GetRequiredValue(section)), null));
        return command;
    }

    private static Command Set(CommandRunner runner)
    {
        var section = new Argument<string>("section") { Description = string.Join(", ", Sections) };
        section.AcceptOnlyFromAmong(Sections);
        var file = new Option<string?>("--file") { Description = "The section as JSON in a file (- for stdin)" };
        var data = new Option<string?>("--data") { Description = "The section as JSON, inline" };
        var force = new Option<bool>("--force") { Description = "ip-allowlist: save even if it excludes your own address" };
        var command = new Command("set", "Replace a settings section with a JSON document (see 'argy settings get')") { section, file, data, force };
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var document = await ReadDocumentAsync(parseResult.GetValue(file), parseResult.GetValue(data), runner);
            var path = Path("settings", parseResult.GetRequiredValue(section)) + (parseResult.GetValue(force) ? "?force=true" : "");
            var result = await client.SendJsonAsync(HttpMethod.Put, path, document, ct);
            await runner.Console.Out.WriteLineAsync(Pretty(result.Value));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command AllowIp(CommandRunner runner)
    {
        var ranges = new Option<string[]>("--range") { Description = "CIDR=description (IPv4 or IPv6); repeat for more", Required = true };
        var force = new Option<bool>("--force") { Description = "Save even if the list excludes your own address" };
        var command = new Command("ip-allowlist", "Enable the IP allow-list with exactly these ranges ('argy settings set ip-allowlist' to disable it)") { ranges, force };
        command.SetRequestAction(runner, null,
            p =>
            {
                var entries = new JsonArray();
                foreach (var range in p.GetValue(ranges) ?? [])
                {
                    var separator = range.IndexOf('=', StringComparison.Ordinal);
                    entries.Add(new JsonObject
                    {
                        ["cidr"] = separator < 0 ? range : range[..separator],
                        ["description"] = separator < 0 ? null : range[(separator + 1)..],
                    });
                }

                return (HttpMethod.Put, Path("settings", "ip-allowlist") + (p.GetValue(force) ? "?force=true" : ""),
                    (JsonNode?)new JsonObject { ["enabled"] = true, ["entries"] = entries });
            },
            async (list, output) =>
            {
                var allowed = list?["yourAddressAllowed"] is JsonValue v && v.GetValue<bool>();
                await output.WriteLineAsync($"IP allow-list enabled with {(list?["entries"] as JsonArray)?.Count ?? 0} range(s); your address {Text(list, "yourAddress")} is "
                    + (allowed ? "allowed" : "NOT allowed"));
            });
        return command;
    }

    private static Command Sso(CommandRunner runner)
    {
        var listJson = JsonOption();
        var list = new Command("list", "SSO providers and enforcement") { listJson };
        list.SetRequestAction(runner, listJson, _ => (HttpMethod.Get, Path("settings", "sso"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "KIND", "NAME", "ENABLED", "ISSUER / IDP ENTITY");
                foreach (var provider in (answer?["providers"] as JsonArray ?? []).OfType<JsonNode>())
                {
                    var detail = provider["oidc"] is JsonObject oidc ? Text(oidc, "issuer") : Text(provider["saml"], "entityId");
                    table.Add(Text(provider, "id"), Text(provider, "kind"), Text(provider, "name"), Text(provider, "enabled"), detail);
                }

                await table.WriteAsync(output);
                await output.WriteLineAsync($"enforced: {Text(answer?["enforcement"], "enforced")}");
            });

        var name = new Option<string>("--name") { Description = "Provider name", Required = true };
        var provider = new Option<string>("--provider") { Description = "entra, okta, google or generic", Required = true };
        var clientId = new Option<string>("--client-id") { Description = "OAuth client id", Required = true };
        var secretVariable = new Option<string>("--client-secret-env") { Description = "Environment variable holding the client secret (kept off the command line)", Required = true };
        var issuer = new Option<string?>("--issuer") { Description = "Issuer URL (derived for entra, okta and google)" };
        var tenant = new Option<string?>("--tenant") { Description = "Entra directory (tenant) id or domain" };
        var domain = new Option<string?>("--domain") { Description = "Okta domain, or Google hosted domain" };
        var addOidc = new Command("add-oidc", "Add an OIDC provider; the client secret is encrypted at rest") { name, provider, clientId, secretVariable, issuer, tenant, domain };
        addOidc.SetRequestAction(runner, null,
            p =>
            {
                var variable = p.GetRequiredValue(secretVariable);
                var secret = runner.Host.GetEnvironmentVariable(variable) ?? throw new UsageException($"environment variable {variable} is not set");
                return (HttpMethod.Post, Path("settings", "sso", "oidc"), (JsonNode?)Body(("name", Value(p.GetValue(name))), ("provider", Value(p.GetValue(provider))),
                    ("clientId", Value(p.GetValue(clientId))), ("clientSecret", Value(secret)), ("issuer", Value(p.GetValue(issuer))),
                    ("tenant", Value(p.GetValue(tenant))), ("domain", Value(p.GetValue(domain)))));
            },
            async (created, output) => await output.WriteLineAsync($"OIDC provider {Text(created, "id")} ({Text(created, "name")}), issuer {Text(created?["oidc"], "issuer")}"));

        var samlName = new Option<string>("--name") { Description = "Provider name", Required = true };
        var metadata = new Option<string>("--metadata") { Description = "The identity provider's SAML metadata XML file", Required = true };
        var email = new Option<string>("--email-attribute") { Description = "Attribute carrying the email address", Required = true };
        var first = new Option<string?>("--first-name-attribute") { Description = "Attribute carrying the first name" };
        var last = new Option<string?>("--last-name-attribute") { Description = "Attribute carrying the last name" };
        var groups = new Option<string?>("--groups-attribute") { Description = "Attribute carrying the groups" };
        var addSaml = new Command("add-saml", "Add a SAML identity provider from its metadata") { samlName, metadata, email, first, last, groups };
        addSaml.SetRequestAction(runner, null,
            p =>
            {
                var file = p.GetRequiredValue(metadata);
                var xml = File.Exists(file) ? File.ReadAllText(file) : throw new UsageException($"no such file: {file}");
                return (HttpMethod.Post, Path("settings", "sso", "saml"), (JsonNode?)Body(("name", Value(p.GetValue(samlName))), ("metadataXml", Value(xml)),
                    ("attributeMapping", Body(("email", Value(p.GetValue(email))), ("firstName", Value(p.GetValue(first))),
                        ("lastName", Value(p.GetValue(last))), ("groups", Value(p.GetValue(groups)))))));
            },
            async (created, output) =>
            {
                await output.WriteLineAsync($"SAML provider {Text(created, "id")} ({Text(created, "name")}), IdP {Text(created?["saml"], "entityId")}");
                await output.WriteLineAsync($"give the IdP the SP metadata: argy settings sso sp-metadata {Text(created, "id")}");
            });

        var spId = new Argument<string>("id") { Description = "SAML provider id" };
        var sp = new Command("sp-metadata", "Print the service provider metadata XML to give the identity provider") { spId };
        sp.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            await runner.Console.Out.WriteAsync(await client.GetTextAsync(Path("settings", "sso", "saml", parseResult.GetRequiredValue(spId), "sp-metadata"), ct));
            return ExitCodes.Success;
        }, ct));

        var removeId = new Argument<string>("id") { Description = "Provider id" };
        var remove = new Command("remove", "Remove an SSO provider") { removeId };
        remove.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("settings", "sso", "providers", p.GetRequiredValue(removeId)), null),
            async (_, output) => await output.WriteLineAsync("removed"));

        var breakGlass = new Option<string[]>("--break-glass") { Description = "Admins (user ids, a,b) who may still sign in with an emailed link" };
        var off = new Option<bool>("--off") { Description = "Stop enforcing SSO" };
        var enforce = new Command("enforce", "Enforce SSO, keeping break-glass admins") { breakGlass, off };
        enforce.SetRequestAction(runner, null,
            p => (HttpMethod.Put, Path("settings", "sso", "enforcement"),
                (JsonNode?)Body(("enforced", JsonValue.Create(!p.GetValue(off))), ("breakGlassUserIds", JsonList(p.GetValue(breakGlass)) ?? new JsonArray()))),
            async (answer, output) => await output.WriteLineAsync($"SSO enforced: {Text(answer, "enforced")}"));

        return new Command("sso", "SSO providers (OIDC, SAML) and enforcement") { list, addOidc, addSaml, sp, remove, enforce };
    }

    private static Command ScimToken(CommandRunner runner)
    {
        var command = new Command("scim-token", "Issue the tenant's SCIM token for the identity provider (the previous one stops working)");
        command.SetRequestAction(runner, null, _ => (HttpMethod.Post, Path("settings", "scim", "token"), null),
            async (answer, output) =>
            {
                await output.WriteLineAsync($"SCIM base URL: {Text(answer, "baseUrl")}");
                await output.WriteLineAsync($"SCIM token:    {Text(answer, "token")}");
                await output.WriteLineAsync("The token is shown only this once.");
            });
        return command;
    }
}
