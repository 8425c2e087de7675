using System.CommandLine;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Agents;

internal static class CreateAgentCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Option<string>("--name") { Description = "Agent name", Required = true };
        var description = new Option<string?>("--description") { Description = "Free text shown in listings" };
        var tags = new Option<string[]>("--tags") { Description = "Tags deployments can target (a,b)" };
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var create = new Command("create", "Register an agent and get its one-time enrollment token") { name, description, tags, json };

        create.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, settings) =>
        {
            var request = new CreateAgentRequest
            {
                Name = parseResult.GetRequiredValue(name),
                Description = parseResult.GetValue(description),
                Tags = ArgumentLists.SplitTags(parseResult.GetValue(tags)),
            };
            var result = await client.CreateAgentAsync(request, ct);
            var output = runner.Console.Out;
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var agent = result.Value;
            var expires = agent.EnrollmentTokenExpiresAt is { } at
                ? $" (single use, expires {Display.Timestamp(at, runner.Host.Time.GetUtcNow())})"
                : " (single use)";
            await output.WriteLineAsync($"id:               {agent.Id}");
            await output.WriteLineAsync($"name:             {agent.Name}");
            await output.WriteLineAsync($"tags:             {Display.Tags(agent.Tags)}");
            await output.WriteLineAsync($"enrollment token: {agent.EnrollmentToken}");
            await output.WriteLineAsync();
            await output.WriteLineAsync($"The token is shown only this once{expires}. On the agent's host, run:");
            await output.WriteLineAsync($"  argy-agent enroll --url {settings.BaseUrl.AbsoluteUri.TrimEnd('/')} --token {agent.EnrollmentToken}");
            return ExitCodes.Success;
        }, ct));

        return create;
    }
}
