using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Config;

internal static class ConfigCommand
{
    public static Command Create(CommandRunner runner)
    {
        var sections = new Option<string[]>("--sections") { Description = "sso, quotas, teams, policies, branding (a,b; default all)" };
        var output = new Option<string?>("--output") { Description = "Write to this file instead of stdout" };
        var export = new Command("export", "Export the tenant's configuration as JSON (never secrets)") { sections, output };
        export.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var list = ArgumentLists.SplitTags(parseResult.GetValue(sections));
            var query = list.Length == 0 ? "" : "?sections=" + Uri.EscapeDataString(string.Join(',', list));
            var result = await client.SendJsonAsync(HttpMethod.Get, Path("config", "export") + query, null, ct);
            var text = Pretty(result.Value);
            if (parseResult.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, text + "\n", ct);
                await runner.Console.Out.WriteLineAsync($"exported to {file}");
            }
            else
            {
                await runner.Console.Out.WriteLineAsync(text);
            }

            return ExitCodes.Success;
        }, ct));

        var file = new Option<string>("--file") { Description = "An exported document (- for stdin)", Required = true };
        var yes = new Option<bool>("--yes") { Description = "Apply the previewed changes (without it, only the preview is shown)" };
        var force = new Option<bool>("--force") { Description = "Apply even if the imported IP allow-list excludes your address" };
        var import = new Command("import", "Preview what importing a document would change; with --yes, apply it atomically") { file, yes, force };
        import.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var document = await ReadDocumentAsync(parseResult.GetValue(file), null, runner);
            var preview = (await client.SendJsonAsync(HttpMethod.Post, Path("config", "import", "preview"), new JsonObject { ["document"] = document.DeepClone() }, ct)).Value;
            var console = runner.Console.Out;
            var changes = (preview?["changes"] as JsonArray ?? []).OfType<JsonNode>().ToList();
            foreach (var change in changes)
            {
                var action = Text(change, "action");
                var mark = action switch { "create" => "+", "update" => "~", _ => "=" };
                await console.WriteLineAsync($"{mark} {Text(change, "section")}: {Text(change, "item")} ({action})");
            }

            foreach (var warning in (preview?["warnings"] as JsonArray ?? []).OfType<JsonNode>())
            {
                await console.WriteLineAsync($"warning: {warning}");
            }

            var pending = changes.Count(c => Text(c, "action") != "unchanged");
            if (!parseResult.GetValue(yes))
            {
                await console.WriteLineAsync(pending == 0 ? "nothing to change" : $"{pending} change(s) previewed; run again with --yes to apply them");
                return ExitCodes.Success;
            }

            var body = new JsonObject { ["document"] = document.DeepClone(), ["confirm"] = Text(preview, "fingerprint"), ["force"] = parseResult.GetValue(force) };
            var applied = (await client.SendJsonAsync(HttpMethod.Post, Path("config", "import"), body, ct)).Value;
            await console.WriteLineAsync($"applied {(applied?["applied"] as JsonArray)?.Count ?? 0} change(s)");
            return ExitCodes.Success;
        }, ct));

        return new Command("config", "Export and import the tenant's configuration") { export, import };
    }
}
