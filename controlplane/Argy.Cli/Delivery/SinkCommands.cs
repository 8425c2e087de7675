using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Delivery;

/// <summary>What <c>argy siem</c> and <c>argy notifications</c> share: the sinks of /api/v1/delivery/sinks, by kind.</summary>
internal static class SinkCommands
{
    public static string SinksPath(params string[] more) => Path(["delivery", "sinks", .. more]);

    public static Option<string[]> EventsOption(string defaults) =>
        new("--events") { Description = $"Which events (action names or prefixes like deployment.*, a,b; '*' for all). Default: {defaults}" };

    /// <summary>Prints a new sink, and its secret when it has one (shown this once).</summary>
    public static async Task ShowCreated(JsonNode? created, TextWriter output)
    {
        var sink = created?["sink"];
        await output.WriteLineAsync($"sink {Text(sink, "id")} ({Text(sink, "kind")}, {Text(sink, "format")}) -> {Target(sink)}");
        await output.WriteLineAsync($"events: {Events(sink)}");
        if (created?["secret"] is JsonValue secret)
        {
            await output.WriteLineAsync($"key id: {Text(sink, "keyId")}");
            await output.WriteLineAsync($"secret: {secret}");
            await output.WriteLineAsync();
            await output.WriteLineAsync("The secret is shown only this once. Receivers verify each delivery's x-argy-signature with it.");
        }
    }

    public static Command List(CommandRunner runner, string description, params string[] kinds)
    {
        var json = JsonOption();
        var command = new Command("list", description) { json };
        command.SetRequestAction(runner, json, _ => (HttpMethod.Get, SinksPath(), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "NAME", "KIND", "FORMAT", "TARGET", "EVENTS", "ENABLED", "PENDING", "LAST ERROR");
                foreach (var sink in Items(answer).Where(s => kinds.Contains(Text(s, "kind"))))
                {
                    table.Add(Text(sink, "id"), Text(sink, "name"), Text(sink, "kind"), Text(sink, "format"), Target(sink), Events(sink),
                        Text(sink, "enabled") == "true" ? "yes" : "no", Text(sink, "pending"), Text(sink, "lastError") is var e && e != "-" && e != "" ? e : "-");
                }

                await table.WriteAsync(output);
            });
        return command;
    }

    public static Command Show(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Sink id (snk_...)" };
        var command = new Command("show", "Show a sink with its cursor, pending events and last error, as JSON") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Get, SinksPath(p.GetRequiredValue(id)), null));
        return command;
    }

    public static Command Update(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Sink id (snk_...)" };
        var name = new Option<string?>("--name") { Description = "New name" };
        var url = new Option<string?>("--url") { Description = "New receiver URL (SIEM and webhook sinks)" };
        var to = new Option<string[]>("--to") { Description = "New recipients, a,b (email sinks)" };
        var events = new Option<string[]>("--events") { Description = "New event filter (a,b; '*' for all)" };
        var enable = new Option<bool>("--enable") { Description = "Resume delivery (pending events follow)" };
        var disable = new Option<bool>("--disable") { Description = "Pause delivery; events wait in the audit trail" };
        var json = JsonOption();
        var command = new Command("update", "Change a sink's name, target, events, or pause/resume it") { id, name, url, to, events, enable, disable, json };
        command.SetRequestAction(runner, json,
            p =>
            {
                if (p.GetValue(enable) && p.GetValue(disable))
                {
                    throw new UsageException("give --enable or --disable, not both");
                }

                var enabled = p.GetValue(enable) ? JsonValue.Create(true) : p.GetValue(disable) ? JsonValue.Create(false) : null;
                return (HttpMethod.Patch, SinksPath(p.GetRequiredValue(id)), Body(("name", Value(p.GetValue(name))),
                    ("url", Value(p.GetValue(url))), ("recipients", JsonList(p.GetValue(to))),
                    ("events", JsonList(p.GetValue(events))), ("enabled", enabled)));
            },
            async (sink, output) => await output.WriteLineAsync(
                $"sink {Text(sink, "id")} ({Text(sink, "kind")}) -> {Target(sink)}, events: {Events(sink)}, {(Text(sink, "enabled") == "true" ? "enabled" : "disabled")}"));
        return command;
    }

    public static Command Test(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Sink id (snk_...)" };
        var json = JsonOption();
        var command = new Command("test", "Send a signed delivery.test event to the sink now; exits 1 when the receiver does not take it") { id, json };
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.SendJsonAsync(HttpMethod.Post, SinksPath(parseResult.GetRequiredValue(id), "test"), null, ct);
            var answer = result.Value;
            var delivered = Text(answer, "delivered") == "true";
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
            }
            else if (delivered)
            {
                var status = Text(answer, "status");
                await runner.Console.Out.WriteLineAsync($"delivered {Text(answer, "eventId")}" + (status == "-" ? "" : $": the receiver answered {status}"));
            }
            else
            {
                await runner.Console.Error.WriteLineAsync($"error: not delivered: {Text(answer, "error")}");
            }

            return delivered ? ExitCodes.Success : ExitCodes.Failure;
        }, ct));
        return command;
    }

    public static Command Remove(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Sink id (snk_...)" };
        var command = new Command("remove", "Remove a sink; undelivered events are not sent") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Delete, SinksPath(p.GetRequiredValue(id)), null),
            async (_, output) => await output.WriteLineAsync("removed"));
        return command;
    }

    private static string Target(JsonNode? sink) => Text(sink, "kind") == "email" ? JoinValues(sink?["recipients"]) : Text(sink, "url");

    private static string Events(JsonNode? sink) => sink?["events"] is JsonArray { Count: > 0 } array ? JoinValues(array) : "*";

    private static string JoinValues(JsonNode? array) => array is JsonArray a ? string.Join(',', a.Select(v => v?.ToString() ?? "")) : "-";
}
