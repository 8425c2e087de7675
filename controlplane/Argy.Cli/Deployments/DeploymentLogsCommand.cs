using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class DeploymentLogsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Run id (run_...)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming until the run ends" };
        var logs = new Command("logs", "Print a run's log (job stdout to stdout, the rest to stderr)") { id, follow };

        logs.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var follower = new LogFollower(client, runner.Console);
            await follower.CopyAsync(parseResult.GetRequiredValue(id), parseResult.GetValue(follow), ct);
            return ExitCodes.Success;
        }, ct));

        return logs;
    }
}
