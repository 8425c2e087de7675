using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Agents;

internal static class ListAgentsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var list = new Command("list", "List agents") { json };

        list.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.ListAgentsAsync(ct);
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var now = runner.Host.Time.GetUtcNow();
            var table = new Table("ID", "NAME", "STATUS", "TAGS", "VERSION", "LAST ACTIVITY");
            foreach (var agent in result.Value.Items)
            {
                table.Add(
                    agent.Id,
                    agent.Name,
                    agent.Status,
                    Display.Tags(agent.Tags),
                    agent.Version ?? "-",
                    RelativeTime.Format(agent.LastActivityAt, now));
            }

            await table.WriteAsync(runner.Console.Out);
            return ExitCodes.Success;
        }, ct));

        return list;
    }
}
