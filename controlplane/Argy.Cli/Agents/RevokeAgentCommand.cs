using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Agents;

internal static class RevokeAgentCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Agent id (agt_...)" };
        var revoke = new Command("revoke", "Revoke an agent: it can no longer connect or take jobs") { id };

        revoke.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var agent = (await client.RevokeAgentAsync(parseResult.GetRequiredValue(id), ct)).Value;
            await runner.Console.Out.WriteLineAsync($"agent {agent.Id} ({agent.Name}) revoked");
            return ExitCodes.Success;
        }, ct));

        return revoke;
    }
}
