using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Approvals;

/// <summary><c>argy approvals</c>: deployments waiting for an approver, and the decisions on them.</summary>
internal static class ApprovalsCommand
{
    public static Command Create(CommandRunner runner) =>
        new("approvals", "Approve or reject deployments that wait for approval")
        {
            List(runner),
            Decide(runner, approve: true),
            Decide(runner, approve: false),
            Require(runner),
        };

    private static Command List(CommandRunner runner)
    {
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var list = new Command("list", "Deployments waiting for approval, oldest first") { json };
        list.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.ListApprovalsAsync(ct);
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var now = runner.Host.Time.GetUtcNow();
            var table = new Table("RUN", "PRODUCT", "TAGS", "REQUESTED BY", "CREATED");
            foreach (var run in result.Value.Items)
            {
                table.Add(run.RunId, run.Product, run.Tags.Length == 0 ? "-" : string.Join(",", run.Tags), run.CreatedBy ?? "-",
                    RelativeTime.Format(run.CreatedAt, now));
            }

            await table.WriteAsync(runner.Console.Out);
            return ExitCodes.Success;
        }, ct));
        return list;
    }

    private static Command Decide(CommandRunner runner, bool approve)
    {
        var id = new Argument<string>("run-id") { Description = "Run id (run_...)" };
        var comment = new Option<string?>("--comment")
        {
            Description = approve ? "Why it may run (kept in the audit trail)" : "Why it may not run (required; the requester sees it)",
            Required = !approve,
        };
        var command = new Command(approve ? "approve" : "reject",
            approve ? "Approve a deployment: it is queued and runs" : "Reject a deployment: it ends Rejected and never runs")
        {
            id, comment,
        };
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var runId = parseResult.GetRequiredValue(id);
            var text = parseResult.GetValue(comment);
            if (!approve && string.IsNullOrWhiteSpace(text))
            {
                throw new UsageException("--comment is required to reject a deployment");
            }

            var run = approve
                ? (await client.ApproveDeploymentAsync(runId, text, ct)).Value
                : (await client.RejectDeploymentAsync(runId, text!, ct)).Value;
            await runner.Console.Out.WriteLineAsync($"run {run.RunId} {(approve ? "approved" : "rejected")} (status: {run.Status})");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Require(CommandRunner runner)
    {
        var product = new Argument<string>("product-id") { Description = "Product id (prd_...)" };
        var tags = new Option<string[]>("--tags") { Description = "Only deployments with one of these tags need approval (a,b), e.g. env:prod" };
        var off = new Option<bool>("--off") { Description = "Stop requiring approval" };
        var command = new Command("require", "Require approval for a product's deployments (all, or only those with one of --tags)")
        {
            product, tags, off,
        };
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var given = ArgumentLists.SplitTags(parseResult.GetValue(tags));
            var disable = parseResult.GetValue(off);
            if (disable && given.Length > 0)
            {
                throw new UsageException("give either --off or --tags, not both");
            }

            var body = new JsonObject { ["required"] = !disable, ["tags"] = new JsonArray([.. given.Select(t => (JsonNode)t)]) };
            var result = (await client.SendJsonAsync(HttpMethod.Put,
                $"api/v1/products/{ArgyApiClient.Segment(parseResult.GetRequiredValue(product))}/approval", body, ct)).Value;
            var required = result?["required"]?.GetValue<bool>() ?? false;
            var ruleTags = result?["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
            await runner.Console.Out.WriteLineAsync(
                !required ? $"product {result?["product"]}: deployments need no approval"
                : ruleTags.Count == 0 ? $"product {result?["product"]}: every deployment needs approval"
                : $"product {result?["product"]}: deployments tagged {string.Join(" or ", ruleTags)} need approval");
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
