using System.CommandLine;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class GetDeploymentCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "Run id (run_...)" };
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var get = new Command("get", "Show one run") { id, json };

        get.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.GetDeploymentAsync(parseResult.GetRequiredValue(id), ct);
            var output = runner.Console.Out;
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var run = result.Value;
            var now = runner.Host.Time.GetUtcNow();
            await output.WriteLineAsync($"run:       {run.RunId}");
            await output.WriteLineAsync($"product:   {run.Product}");
            await output.WriteLineAsync($"status:    {run.Status}");
            await output.WriteLineAsync($"exit code: {run.ExitCode?.ToString() ?? "-"}");
            await output.WriteLineAsync($"message:   {run.Message ?? "-"}");
            await output.WriteLineAsync($"agent:     {run.AgentId ?? "-"}");
            await output.WriteLineAsync($"tags:      {Display.Tags(run.Tags)}");
            await output.WriteLineAsync($"timeout:   {(run.TimeoutSeconds is { } s ? Durations.Format(TimeSpan.FromSeconds(s)) : "-")}");
            await output.WriteLineAsync($"created:   {Display.Timestamp(run.CreatedAt, now)}");
            await output.WriteLineAsync($"started:   {Display.Timestamp(run.StartedAt, now)}");
            await output.WriteLineAsync($"finished:  {Display.Timestamp(run.FinishedAt, now)}");
            return ExitCodes.Success;
        }, ct));

        return get;
    }
}
