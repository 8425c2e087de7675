using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Tokens;

internal static class TokensCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Option<string>("--name") { Description = "What the token is for (e.g. github-ci)", Required = true };
        var role = new Option<string>("--role") { Description = "The token's role (least needed, e.g. PLATFORM_USER)", Required = true };
        var expires = new Option<int?>("--expires-in-days") { Description = "Days until it expires (1-3650; default never)" };
        var products = new Option<string[]>("--products") { Description = "Limit the token to these products (names or ids, a,b)" };
        var user = new Option<string?>("--user") { Description = "The user who owns it (refused while they are disabled)" };
        var service = new Option<bool>("--service-account") { Description = "Owned by no user, even when you are signed in" };
        var createJson = JsonOption();
        var create = new Command("create", "Create an API token; it is shown this once") { name, role, expires, products, user, service, createJson };
        create.SetRequestAction(runner, createJson,
            p => (HttpMethod.Post, Path("tokens"), Body(("name", Value(p.GetValue(name))), ("role", Value(p.GetValue(role))),
                ("expiresInDays", Value(p.GetValue(expires))), ("products", JsonList(p.GetValue(products))), ("userId", Value(p.GetValue(user))),
                ("serviceAccount", p.GetValue(service) ? JsonValue.Create(true) : null))),
            async (token, output) =>
            {
                await output.WriteLineAsync($"id:    {Text(token, "id")}");
                await output.WriteLineAsync($"role:  {Text(token, "role")}");
                await output.WriteLineAsync($"token: {Text(token, "token")}");
                await output.WriteLineAsync();
                await output.WriteLineAsync("The token is shown only this once; only a hash of it is stored.");
            });

        var listJson = JsonOption();
        var list = new Command("list", "List API tokens (never their secrets)") { listJson };
        list.SetRequestAction(runner, listJson, _ => (HttpMethod.Get, Path("tokens"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "NAME", "ROLE", "OWNER", "PRODUCTS", "EXPIRES", "LAST USED", "REVOKED");
                foreach (var token in Items(answer))
                {
                    table.Add(Text(token, "id"), Text(token, "name"), Text(token, "role"), Or(Text(token, "userId")),
                        token["products"] is JsonArray p ? string.Join(',', p.Select(v => v?.ToString() ?? "")) : "-",
                        Or(Text(token, "expiresAt")), Or(Text(token, "lastUsedAt")), Or(Text(token, "revokedAt")));
                }

                await table.WriteAsync(output);
            });

        var id = new Argument<string>("id") { Description = "Token id (tok_...)" };
        var revoke = new Command("revoke", "Revoke an API token: refused from the next request on") { id };
        revoke.SetRequestAction(runner, null, p => (HttpMethod.Post, Path("tokens", p.GetRequiredValue(id), "revoke"), null),
            async (token, output) => await output.WriteLineAsync($"token {Text(token, "id")} ({Text(token, "name")}) revoked"));

        return new Command("tokens", "API tokens for CI and scripts") { create, list, revoke };
    }

    private static string Or(string text) => string.IsNullOrEmpty(text) || text == "-" ? "-" : text;
}
