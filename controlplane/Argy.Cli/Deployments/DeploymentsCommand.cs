using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class DeploymentsCommand
{
    public static Command Create(CommandRunner runner) =>
        new("deployments", "Inspect and cancel deployment runs")
        {
            GetDeploymentCommand.Create(runner),
            DeploymentLogsCommand.Create(runner),
            CancelDeploymentCommand.Create(runner),
            ListDeploymentsCommand.Create(runner),
        };
}
