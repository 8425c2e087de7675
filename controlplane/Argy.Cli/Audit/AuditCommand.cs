using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Audit;

/// <summary><c>argy audit</c>: verify the tenant's hash chain, list and export its audit records.</summary>
internal static class AuditCommand
{
    public static Command Create(CommandRunner runner) =>
        new("audit", "The audit trail: verify its hash chain, list and export records") { Verify(runner), List(runner), Export(runner) };

    private static Command Verify(CommandRunner runner)
    {
        var json = JsonOption();
        var command = new Command("verify", "Check the hash chain; exit 1 naming the first broken record") { json };
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var answer = (await client.SendJsonAsync(HttpMethod.Get, Path("audit-events", "verify"), null, ct)).Value;
            var ok = answer?["ok"]?.GetValue<bool>() == true;
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(Pretty(answer));
            }
            else if (ok)
            {
                var anchor = answer?["anchorSeq"] is JsonValue a ? $" from the retention anchor at record {a}" : "";
                var unchained = answer?["unchained"]?.GetValue<long>() is > 0 and var n ? $"; {n} older record(s) predate the chain" : "";
                await runner.Console.Out.WriteLineAsync($"audit chain ok: {Text(answer, "checked")} record(s) verified{anchor}{unchained}");
            }
            else
            {
                var broken = answer?["firstBroken"];
                await runner.Console.Error.WriteLineAsync($"audit chain broken at record {Text(broken, "seq")}: {Text(broken, "detail")}");
            }

            return ok ? ExitCodes.Success : ExitCodes.Failure;
        }, ct));
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var filters = new Filters();
        var limit = new Option<int?>("--limit") { Description = "At most this many (1-1000, default 100)" };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the previous page (its 'more' hint)" };
        var json = JsonOption();
        var command = new Command("list", "Audit records, newest first") { limit, cursor, json };
        filters.AddTo(command);
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var query = filters.Query(parseResult,
                ("limit", parseResult.GetValue(limit)?.ToString(CultureInfo.InvariantCulture)), ("cursor", parseResult.GetValue(cursor)));
            var result = await client.SendJsonAsync(HttpMethod.Get, Path("audit-events") + query, null, ct);
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var table = new Table("SEQ", "TIME", "ACTOR", "ACTION", "RESOURCE", "OUTCOME", "SOURCE");
            foreach (var item in Items(result.Value))
            {
                var resource = Text(item, "resourceType") is var type and not "-" ? type + (Text(item, "resourceId") is var id and not "-" ? "/" + id : "") : "-";
                table.Add(Text(item, "seq"), Time(Text(item, "at")), $"{Text(item, "actorType")}:{Text(item, "actor")}", Text(item, "action"),
                    resource, Text(item, "outcome"), Text(item, "sourceIp"));
            }

            await table.WriteAsync(runner.Console.Out);
            if (result.Value?["nextCursor"] is JsonValue next)
            {
                await runner.Console.Error.WriteLineAsync($"more: --cursor {next}");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Export(CommandRunner runner)
    {
        var filters = new Filters();
        var format = new Option<string>("--format") { Description = "csv (RFC 4180) or jsonl (JSON lines)", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout" };
        var command = new Command("export", "Stream audit records, oldest first, as CSV or JSON lines") { format, output };
        filters.AddTo(command);
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var path = Path("audit-events", "export") + filters.Query(parseResult, ("format", parseResult.GetValue(format)));
            var file = parseResult.GetValue(output);
            if (file is null)
            {
                await client.DownloadAsync(path, runner.Console.StdOut, ct);
                return ExitCodes.Success;
            }

            // Written beside the target and moved into place, so a failed export leaves no half file behind.
            var partial = file + ".partial";
            try
            {
                long bytes;
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                {
                    bytes = await client.DownloadAsync(path, stream, ct);
                }

                File.Move(partial, file, overwrite: true);
                await runner.Console.Error.WriteLineAsync($"exported {bytes:N0} bytes to {file}");
                return ExitCodes.Success;
            }
            finally
            {
                File.Delete(partial);
            }
        }, ct));
        return command;
    }

    private static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : iso;

    /// <summary>The filters list and export share, passed through to the API as query parameters.</summary>
    private sealed class Filters
    {
        private readonly Option<string?> _period = new("--period") { Description = "24h, 7d, 30d or custom (with --from/--to)" };
        private readonly Option<string?> _from = new("--from") { Description = "From this time (ISO 8601, e.g. 2025-06-01T00:00:00Z)" };
        private readonly Option<string?> _to = new("--to") { Description = "Until this time, exclusive (ISO 8601)" };
        private readonly Option<string?> _actor = new("--actor") { Description = "Only this actor (user, token or agent id)" };
        private readonly Option<string?> _action = new("--action") { Description = "Only this action; a trailing * matches a prefix (deployment.*)" };
        private readonly Option<string?> _resourceType = new("--resource-type") { Description = "Only this resource type (deployment, agent, user...)" };
        private readonly Option<string?> _resourceId = new("--resource-id") { Description = "Only this resource id" };
        private readonly Option<string?> _outcome = new("--outcome") { Description = "success, denied or failure" };

        public void AddTo(Command command)
        {
            foreach (var option in new[] { _period, _from, _to, _actor, _action, _resourceType, _resourceId, _outcome })
            {
                command.Options.Add(option);
            }
        }

        public string Query(ParseResult p, params (string Name, string? Value)[] more) => Users.UsersCommand.Query(
        [
            ("period", p.GetValue(_period)), ("from", p.GetValue(_from)), ("to", p.GetValue(_to)), ("actor", p.GetValue(_actor)),
            ("action", p.GetValue(_action)), ("resourceType", p.GetValue(_resourceType)), ("resourceId", p.GetValue(_resourceId)),
            ("outcome", p.GetValue(_outcome)), .. more,
        ]);
    }
}
