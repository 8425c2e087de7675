using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class ListDeploymentsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var status = new Option<string?>("--status") { Description = "Only runs in this status" };
        status.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, RunStatus.All);
        var limit = new Option<int>("--limit") { Description = "At most this many runs", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var list = new Command("list", "List recent runs") { status, limit, json };

        list.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.ListDeploymentsAsync(RunStatus.Canonical(parseResult.GetValue(status)), parseResult.GetValue(limit), ct);
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var now = runner.Host.Time.GetUtcNow();
            var table = new Table("RUN", "PRODUCT", "STATUS", "EXIT", "AGENT", "CREATED");
            foreach (var run in result.Value.Items)
            {
                table.Add(
                    run.RunId,
                    run.Product,
                    run.Status,
                    run.ExitCode?.ToString() ?? "-",
                    run.AgentId ?? "-",
                    RelativeTime.Format(run.CreatedAt, now));
            }

            await table.WriteAsync(runner.Console.Out);
            return ExitCodes.Success;
        }, ct));

        return list;
    }
}
