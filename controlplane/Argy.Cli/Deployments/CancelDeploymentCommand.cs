using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class CancelDeploymentCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Run id (run_...)" };
        var cancel = new Command("cancel", "Ask the control plane to cancel a run") { id };

        cancel.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var run = (await client.CancelDeploymentAsync(parseResult.GetRequiredValue(id), ct)).Value;
            await runner.Console.Out.WriteLineAsync($"run {run.RunId}: cancellation requested (status: {run.Status})");
            return ExitCodes.Success;
        }, ct));

        return cancel;
    }
}
