using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Device;

/// <summary>
/// <c>argy device</c>: the approver's side of the device flow. A machine running <c>argy-agent enroll</c> (or a
/// terminal running <c>argy login</c>) shows a code; these commands look it up, approve or deny it.
/// </summary>
internal static class DeviceCommand
{
    public static Command Create(CommandRunner runner) =>
        new("device", "See, approve and deny device requests: agents enrolling, terminals signing in")
        {
            Approve(runner),
            Deny(runner),
            Show(runner),
            List(runner),
        };

    private static Command Approve(CommandRunner runner)
    {
        var code = CodeArgument();
        var name = new Option<string?>("--name") { Description = "The agent's name (default: the name it asked for, or its hostname)" };
        var tags = new Option<string[]>("--tags") { Description = "The agent's routing tags, a,b (default: the tags it asked for)" };
        var description = new Option<string?>("--description") { Description = "Free text shown in agent listings" };
        var json = JsonOption();
        var approve = new Command("approve", "Approve the request showing this code; an agent gets the given name and tags") { code, name, tags, description, json };
        approve.SetRequestAction(runner, json,
            parseResult => (HttpMethod.Post, Path("device", "approve"), Body(
                ("userCode", Value(parseResult.GetRequiredValue(code))),
                ("name", Value(parseResult.GetValue(name))),
                ("tags", JsonList(parseResult.GetValue(tags))),
                ("description", Value(parseResult.GetValue(description))))),
            async (request, output) =>
            {
                var what = Text(request, "agentId") is var agentId and not "-" ? $"agent {agentId}" : $"a token with role {Text(request, "role")}";
                await output.WriteLineAsync($"approved {Text(request, "userCode")}: {Text(request, "clientId")} request from host {Text(request, "hostname")} ({Text(request, "sourceIp")}); it receives {what}");
            });
        return approve;
    }

    private static Command Deny(CommandRunner runner)
    {
        var code = CodeArgument();
        var json = JsonOption();
        var deny = new Command("deny", "Deny the request showing this code") { code, json };
        deny.SetRequestAction(runner, json,
            parseResult => (HttpMethod.Post, Path("device", "deny"), Body(("userCode", Value(parseResult.GetRequiredValue(code))))),
            async (request, output) =>
                await output.WriteLineAsync($"denied {Text(request, "userCode")}: {Text(request, "clientId")} request from host {Text(request, "hostname")} ({Text(request, "sourceIp")})"));
        return deny;
    }

    private static Command Show(CommandRunner runner)
    {
        var code = CodeArgument();
        var json = JsonOption();
        var show = new Command("show", "Show what is behind a code before deciding (counts as an attempt if the code is wrong)") { code, json };
        show.SetRequestAction(runner, json,
            parseResult => (HttpMethod.Get, Path("device", "requests", parseResult.GetRequiredValue(code)), null),
            async (request, output) =>
            {
                await output.WriteLineAsync($"code:            {Text(request, "userCode")}");
                await output.WriteLineAsync($"client:          {Text(request, "client")} ({Text(request, "clientId")})");
                await output.WriteLineAsync($"host:            {Text(request, "hostname")} ({Text(request, "os")}/{Text(request, "arch")}, version {Text(request, "version")})");
                await output.WriteLineAsync($"source IP:       {Text(request, "sourceIp")}");
                await output.WriteLineAsync($"requested name:  {Text(request, "requestedName")}");
                await output.WriteLineAsync($"requested tags:  {Strings(request, "requestedTags")}");
                await output.WriteLineAsync($"expires:         {Text(request, "expiresAt")}");
            });
        return show;
    }

    private static Command List(CommandRunner runner)
    {
        var json = JsonOption();
        var list = new Command("list", "List requests waiting for approval (without their codes: ask the person at the machine)") { json };
        list.SetRequestAction(runner, json,
            _ => (HttpMethod.Get, Path("device", "requests"), null),
            async (body, output) =>
            {
                var table = new Table("ID", "CLIENT", "HOST", "SOURCE IP", "NAME", "TAGS", "EXPIRES");
                foreach (var item in Items(body))
                {
                    table.Add(Text(item, "id"), Text(item, "clientId"), Text(item, "hostname"), Text(item, "sourceIp"),
                        Text(item, "requestedName"), Strings(item, "requestedTags"), Text(item, "expiresAt"));
                }

                await table.WriteAsync(output);
            });
        return list;
    }

    private static string Strings(JsonNode? node, string name) =>
        node?[name] is JsonArray array && array.Count > 0 ? string.Join(',', array.Select(v => v?.ToString())) : "-";

    private static Argument<string> CodeArgument() => new("code") { Description = "The code the device shows, e.g. BCDF-GHJK (any case, dash optional)" };
}
