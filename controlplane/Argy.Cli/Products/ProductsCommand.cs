using System.CommandLine;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Products;

internal static class ProductsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Option<string>("--name") { Description = "Product name (deployments use it)", Required = true };
        var description = new Option<string?>("--description") { Description = "What it is" };
        var createJson = JsonOption();
        var create = new Command("create", "Register a product") { name, description, createJson };
        create.SetRequestAction(runner, createJson,
            p => (HttpMethod.Post, Path("products"), Body(("name", Value(p.GetValue(name))), ("description", Value(p.GetValue(description))))),
            async (product, output) => await output.WriteLineAsync($"product {Text(product, "id")} ({Text(product, "name")}) created"));

        var listJson = JsonOption();
        var list = new Command("list", "List products and the teams that may use them") { listJson };
        list.SetRequestAction(runner, listJson, _ => (HttpMethod.Get, Path("products"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "NAME", "TEAMS", "DESCRIPTION");
                foreach (var product in Items(answer))
                {
                    table.Add(Text(product, "id"), Text(product, "name"), Names(product, "teams"), Text(product, "description") is { Length: > 0 } d ? d : "-");
                }

                await table.WriteAsync(output);
            });

        var getId = new Argument<string>("id") { Description = "Product id" };
        var get = new Command("get", "Show a product as JSON") { getId };
        get.SetRequestAction(runner, null, p => (HttpMethod.Get, Path("products", p.GetRequiredValue(getId)), null));

        var updateId = new Argument<string>("id") { Description = "Product id" };
        var newDescription = new Option<string>("--description") { Description = "New description", Required = true };
        var update = new Command("update", "Change a product's description") { updateId, newDescription };
        update.SetRequestAction(runner, null,
            p => (HttpMethod.Patch, Path("products", p.GetRequiredValue(updateId)), Body(("description", Value(p.GetValue(newDescription))))));

        var deleteId = new Argument<string>("id") { Description = "Product id" };
        var delete = new Command("delete", "Remove a product") { deleteId };
        delete.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("products", p.GetRequiredValue(deleteId)), null),
            async (_, output) => await output.WriteLineAsync("deleted"));

        return new Command("products", "The products deployments deploy") { create, list, get, update, delete };
    }
}
