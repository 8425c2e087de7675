using System.CommandLine;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;
using static Argy.Cli.Delivery.SinkCommands;

namespace Argy.Cli.Delivery;

/// <summary><c>argy siem</c>: the audit trail to a SIEM's HTTP collector, as JSON or CEF, signed.</summary>
internal static class SiemCommand
{
    public static Command Create(CommandRunner runner)
    {
        var url = new Option<string>("--url") { Description = "The SIEM's HTTP collector (http or https)", Required = true };
        var format = new Option<string>("--format") { Description = "json (default) or cef", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "cef");
        var events = EventsOption("every event");
        var name = new Option<string?>("--name") { Description = "A name for the sink" };
        var replay = new Option<bool>("--replay") { Description = "Also send the audit trail recorded before the sink existed" };
        var json = JsonOption();
        var add = new Command("add", "Send the audit trail to a SIEM; prints the signing secret once") { url, format, events, name, replay, json };
        add.SetRequestAction(runner, json,
            p => (HttpMethod.Post, SinksPath(), Body(("kind", Value("siem")), ("url", Value(p.GetValue(url))), ("format", Value(p.GetValue(format))),
                ("events", JsonList(p.GetValue(events))), ("name", Value(p.GetValue(name))),
                ("replay", p.GetValue(replay) ? System.Text.Json.Nodes.JsonValue.Create(true) : null))),
            ShowCreated);

        return new Command("siem", "Audit events to SIEMs (JSON or CEF over signed HTTPS webhooks)")
        {
            add, List(runner, "List SIEM sinks", "siem"), Show(runner), Update(runner), Test(runner), Remove(runner),
        };
    }
}
