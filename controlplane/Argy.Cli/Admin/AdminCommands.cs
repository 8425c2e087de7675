using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Admin;

/// <summary>What the administration commands share: a request, then either the JSON as-is (--json) or a readable rendering.</summary>
internal static class AdminCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the control plane's JSON as-is" };

    /// <summary>Runs one request and prints its answer with <paramref name="render"/> (or raw with --json).</summary>
    public static void SetRequestAction(
        this Command command,
        CommandRunner runner,
        Option<bool>? json,
        Func<ParseResult, (HttpMethod Method, string Path, JsonNode? Body)> request,
        Func<JsonNode?, TextWriter, Task>? render = null)
    {
        command.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var (method, path, body) = request(parseResult);
            var result = await client.SendJsonAsync(method, path, body, ct);
            var output = runner.Console.Out;
            if ((json is not null && parseResult.GetValue(json)) || render is null)
            {
                if (result.Json.Length > 0)
                {
                    await output.WriteLineAsync(render is null ? Pretty(result.Value) : result.Json);
                }

                return ExitCodes.Success;
            }

            await render(result.Value, output);
            return ExitCodes.Success;
        }, ct));
    }

    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "";

    public static string Text(JsonNode? node, string name) => node?[name] is JsonValue value ? value.ToString() : "-";

    public static IEnumerable<JsonNode> Items(JsonNode? node) => (node?["items"] as JsonArray ?? []).OfType<JsonNode>();

    public static string Names(JsonNode? node, string arrayName, string field = "name") =>
        node?[arrayName] is JsonArray array && array.Count > 0 ? string.Join(',', array.Select(n => Text(n, field))) : "-";

    public static JsonArray? JsonList(string[]? values) =>
        values is null || values.Length == 0 ? null : new JsonArray(ArgumentLists.SplitTags(values).Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    /// <summary>A JSON object of the given fields, leaving out the null ones.</summary>
    public static JsonObject Body(params (string Name, JsonNode? Value)[] fields)
    {
        var body = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                body[name] = value;
            }
        }

        return body;
    }

    public static JsonNode? Value(string? text) => text is null ? null : JsonValue.Create(text);

    public static JsonNode? Value(int? number) => number is null ? null : JsonValue.Create(number.Value);

    /// <summary>A JSON document from --file (or - for stdin) or from --data.</summary>
    public static async Task<JsonNode> ReadDocumentAsync(string? file, string? data, CommandRunner runner)
    {
        var text = data ?? (file switch
        {
            null => throw new UsageException("give the document with --file PATH (or - for stdin) or --data JSON"),
            "-" => await Console.In.ReadToEndAsync(),
            _ => File.Exists(file) ? await File.ReadAllTextAsync(file) : throw new UsageException($"no such file: {file}"),
        });
        try
        {
            return JsonNode.Parse(text) ?? throw new UsageException("the document is empty");
        }
        catch (JsonException e)
        {
            throw new UsageException($"the document is not valid JSON: {e.Message}");
        }
    }

    public static string Path(params string[] segments) => "api/v1/" + string.Join('/', segments.Select(ArgyApiClient.Segment));
}
