using System.CommandLine;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Orgs;

internal static class OrgsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Option<string>("--name") { Description = "Org name", Required = true };
        var description = new Option<string?>("--description") { Description = "What it is" };
        var create = new Command("create", "Create an org") { name, description };
        create.SetRequestAction(runner, null, p => (HttpMethod.Post, Path("orgs"), Body(("name", Value(p.GetValue(name))), ("description", Value(p.GetValue(description))))));

        var json = JsonOption();
        var list = new Command("list", "List orgs") { json };
        list.SetRequestAction(runner, json, _ => (HttpMethod.Get, Path("orgs"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "NAME", "DESCRIPTION");
                foreach (var org in Items(answer))
                {
                    table.Add(Text(org, "id"), Text(org, "name"), Text(org, "description") is { Length: > 0 } d ? d : "-");
                }

                await table.WriteAsync(output);
            });

        var id = new Argument<string>("id") { Description = "Org id" };
        var delete = new Command("delete", "Delete an empty org") { id };
        delete.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("orgs", p.GetRequiredValue(id)), null),
            async (_, output) => await output.WriteLineAsync("deleted"));

        return new Command("orgs", "Orgs inside the tenant") { create, list, delete };
    }
}
