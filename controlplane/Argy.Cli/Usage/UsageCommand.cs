using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Usage;

/// <summary><c>argy usage llm|deployments|trend</c>: usage reports as tables, or the control plane's JSON with --json.</summary>
internal static class UsageCommand
{
    public static Command Create(CommandRunner runner) =>
        new("usage", "Usage reports: LLM tokens by user or model, deployments by product, daily trend") { Llm(runner), Deployments(runner), Trend(runner) };

    private static Command Llm(CommandRunner runner)
    {
        var by = new Option<string>("--by") { Description = "user or model", DefaultValueFactory = _ => "user" };
        by.AcceptOnlyFromAmong("user", "model");
        var (from, to) = Window();
        var json = JsonOption();
        var command = new Command("llm", "LLM tokens, credits and requests by user or by model (default: the last 30 days)") { by, from, to, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Get, Path("usage", "llm") + Query(("by", p.GetValue(by)), ("from", p.GetValue(from)), ("to", p.GetValue(to))), null),
            async (answer, output) =>
            {
                var byUser = Text(answer, "by") == "user";
                var table = byUser ? new Table("USER", "EMAIL", "REQUESTS", "INPUT", "OUTPUT", "TOKENS", "CREDITS") : new Table("MODEL", "REQUESTS", "INPUT", "OUTPUT", "TOKENS", "CREDITS");
                foreach (var line in Items(answer).Append(answer?["total"] ?? new JsonObject()))
                {
                    string[] numbers = [Text(line, "requests"), Text(line, "inputTokens"), Text(line, "outputTokens"), Text(line, "totalTokens"), Text(line, "credits")];
                    table.Add(byUser ? [Text(line, "key"), Text(line, "email") is "-" or "" ? "-" : Text(line, "email"), .. numbers] : [Text(line, "key"), .. numbers]);
                }

                await table.WriteAsync(output);
                await output.WriteLineAsync($"from {Text(answer, "from")} to {Text(answer, "to")}");
            });
        return command;
    }

    private static Command Deployments(CommandRunner runner)
    {
        var by = new Option<string>("--by") { Description = "product", DefaultValueFactory = _ => "product" };
        by.AcceptOnlyFromAmong("product");
        var (from, to) = Window();
        var json = JsonOption();
        var command = new Command("deployments", "Deployments by product: count, succeeded, failed, cancelled, active (default: the last 30 days)") { by, from, to, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Get, Path("usage", "deployments") + Query(("by", p.GetValue(by)), ("from", p.GetValue(from)), ("to", p.GetValue(to))), null),
            async (answer, output) =>
            {
                var table = new Table("PRODUCT", "COUNT", "SUCCEEDED", "FAILED", "CANCELLED", "ACTIVE");
                foreach (var line in Items(answer).Append(answer?["total"] ?? new JsonObject()))
                {
                    table.Add(Text(line, "product"), Text(line, "count"), Text(line, "succeeded"), Text(line, "failed"), Text(line, "cancelled"), Text(line, "active"));
                }

                await table.WriteAsync(output);
                await output.WriteLineAsync($"from {Text(answer, "from")} to {Text(answer, "to")}");
            });
        return command;
    }

    private static Command Trend(CommandRunner runner)
    {
        var days = new Option<int>("--days") { Description = "How many days, today included (1-366)", DefaultValueFactory = _ => 30 };
        var json = JsonOption();
        var command = new Command("trend", "Daily deployments and LLM tokens in the tenant's billing time zone") { days, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Get, Path("usage", "trend") + Query(("days", p.GetValue(days).ToString(System.Globalization.CultureInfo.InvariantCulture))), null),
            async (answer, output) =>
            {
                var table = new Table("DATE", "DEPLOYMENTS", "LLM REQUESTS", "LLM TOKENS", "LLM CREDITS");
                foreach (var day in Items(answer))
                {
                    table.Add(Text(day, "date"), Text(day, "deployments"), Text(day, "llmRequests"), Text(day, "llmTokens"), Text(day, "llmCredits"));
                }

                await table.WriteAsync(output);
                await output.WriteLineAsync($"time zone {Text(answer, "timeZone")}");
            });
        return command;
    }

    private static (Option<string?> From, Option<string?> To) Window() => (
        new Option<string?>("--from") { Description = "Start: a date (midnight in the tenant's time zone) or an ISO 8601 time" },
        new Option<string?>("--to") { Description = "End (exclusive): a date or an ISO 8601 time; default now" });

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }
}
