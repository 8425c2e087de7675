using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Agents;

internal static class AgentsCommand
{
    public static Command Create(CommandRunner runner) =>
        new("agents", "Register, list and revoke agents")
        {
            CreateAgentCommand.Create(runner),
            ListAgentsCommand.Create(runner),
            RevokeAgentCommand.Create(runner),
        };
}
