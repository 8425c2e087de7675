using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Teams;

internal static class TeamsCommand
{
    public static Command Create(CommandRunner runner) =>
        new("teams", "Teams: members, lead, and the products they may deploy")
        {
            CreateTeam(runner), List(runner), Get(runner), Update(runner), Delete(runner),
            Member(runner, "add-member", HttpMethod.Put, "Add a user to a team"),
            Member(runner, "remove-member", HttpMethod.Delete, "Remove a user from a team"),
            Grant(runner), Ungrant(runner),
        };

    private static Command CreateTeam(CommandRunner runner)
    {
        var name = new Option<string>("--name") { Description = "Team name", Required = true };
        var description = new Option<string?>("--description") { Description = "What the team does" };
        var lead = new Option<string?>("--lead") { Description = "Lead (user id or email)" };
        var members = new Option<string[]>("--members") { Description = "Members (user ids or emails, a,b)" };
        var json = JsonOption();
        var command = new Command("create", "Create a team") { name, description, lead, members, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Post, Path("teams"), Body(("name", Value(p.GetValue(name))), ("description", Value(p.GetValue(description))),
                ("lead", Value(p.GetValue(lead))), ("members", JsonList(p.GetValue(members))))),
            Show);
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var json = JsonOption();
        var command = new Command("list", "List teams") { json };
        command.SetRequestAction(runner, json, _ => (HttpMethod.Get, Path("teams"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "NAME", "LEAD", "MEMBERS", "PRODUCTS");
                foreach (var team in Items(answer))
                {
                    var products = team["products"] is JsonArray array && array.Count > 0
                        ? string.Join(',', array.Select(p => $"{Text(p, "name")}:{Text(p, "permission")}")) : "-";
                    table.Add(Text(team, "id"), Text(team, "name"), Text(team, "leadUserId") is { } l && l != "" ? l : "-",
                        ((team["members"] as JsonArray)?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), products);
                }

                await table.WriteAsync(output);
            });
        return command;
    }

    private static Command Get(CommandRunner runner)
    {
        var id = new Argument<string>("team") { Description = "Team id" };
        var command = new Command("get", "Show a team as JSON") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Get, Path("teams", p.GetRequiredValue(id)), null));
        return command;
    }

    private static Command Update(CommandRunner runner)
    {
        var id = new Argument<string>("team") { Description = "Team id" };
        var name = new Option<string?>("--name") { Description = "New name" };
        var description = new Option<string?>("--description") { Description = "New description" };
        var lead = new Option<string?>("--lead") { Description = "New lead (user id or email; \"\" removes it)" };
        var json = JsonOption();
        var command = new Command("update", "Rename a team or change its description or lead") { id, name, description, lead, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Patch, Path("teams", p.GetRequiredValue(id)), Body(("name", Value(p.GetValue(name))),
                ("description", Value(p.GetValue(description))), ("lead", Value(p.GetValue(lead))))),
            Show);
        return command;
    }

    private static Command Delete(CommandRunner runner)
    {
        var id = new Argument<string>("team") { Description = "Team id" };
        var command = new Command("delete", "Delete a team") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("teams", p.GetRequiredValue(id)), null),
            async (_, output) => await output.WriteLineAsync("deleted"));
        return command;
    }

    private static Command Member(CommandRunner runner, string name, HttpMethod method, string description)
    {
        var team = new Argument<string>("team") { Description = "Team id" };
        var user = new Argument<string>("user") { Description = "User id" };
        var json = JsonOption();
        var command = new Command(name, description) { team, user, json };
        command.SetRequestAction(runner, json, p => (method, Path("teams", p.GetRequiredValue(team), "members", p.GetRequiredValue(user)), null), Show);
        return command;
    }

    private static Command Grant(CommandRunner runner)
    {
        var team = new Argument<string>("team") { Description = "Team id" };
        var product = new Argument<string>("product") { Description = "Product id" };
        var permission = new Option<string>("--permission") { Description = "read, write (deploy) or admin", Required = true };
        var json = JsonOption();
        var command = new Command("grant", "Give a team read, write or admin permission on a product") { team, product, permission, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Put, Path("teams", p.GetRequiredValue(team), "products", p.GetRequiredValue(product)), Body(("permission", Value(p.GetValue(permission))))),
            Show);
        return command;
    }

    private static Command Ungrant(CommandRunner runner)
    {
        var team = new Argument<string>("team") { Description = "Team id" };
        var product = new Argument<string>("product") { Description = "Product id" };
        var json = JsonOption();
        var command = new Command("ungrant", "Take a product away from a team") { team, product, json };
        command.SetRequestAction(runner, json, p => (HttpMethod.Delete, Path("teams", p.GetRequiredValue(team), "products", p.GetRequiredValue(product)), null), Show);
        return command;
    }

    private static async Task Show(JsonNode? team, TextWriter output)
    {
        await output.WriteLineAsync($"team {Text(team, "id")} ({Text(team, "name")})");
        await output.WriteLineAsync($"  members:  {Names(team, "members", "email")}");
        var products = team?["products"] is JsonArray array && array.Count > 0 ? string.Join(',', array.Select(p => $"{Text(p, "name")}:{Text(p, "permission")}")) : "-";
        await output.WriteLineAsync($"  products: {products}");
    }
}
