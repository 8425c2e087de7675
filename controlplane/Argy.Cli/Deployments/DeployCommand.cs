using System.CommandLine;
using System.CommandLine.Parsing;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Deployments;

internal static class DeployCommand
{
    public static Command Create(CommandRunner runner)
    {
        var product = new Option<string>("--product") { Description = "Product to deploy", Required = true };
        var tags = new Option<string[]>("--tags") { Description = "Only agents with all these tags (a,b)" };
        var env = new Option<string[]>("--env") { Description = "Environment variable for the job, KEY=VALUE (repeatable; bare KEY copies it from here)" };
        var secrets = new Option<string[]>("--secret") { Description = "Secret for the job, KEY=VALUE (repeatable; bare KEY copies it from here)" };
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "Job time limit: 30m, 90s, 1h or plain seconds (default: the control plane's)",
            CustomParser = ParseTimeout,
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the run id and return once the run is queued" };
        var script = new Option<string?>("--script") { Description = "Shell script to run instead of a command" };
        var command = new Argument<string[]>("command")
        {
            Description = "Command and arguments to run, after --",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var deploy = new Command("deploy", "Run a deployment job on an agent and stream its log")
        {
            product, tags, env, secrets, timeout, noWait, script, command,
        };

        deploy.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var commandLine = parseResult.GetValue(command) ?? [];
            var scriptText = parseResult.GetValue(script);
            if ((commandLine.Length > 0) == (scriptText is not null))
            {
                throw new UsageException("give exactly one of: a command after --, or --script");
            }

            var request = new CreateDeploymentRequest
            {
                Product = parseResult.GetRequiredValue(product),
                Command = commandLine.Length > 0 ? commandLine : null,
                Script = scriptText,
                Tags = ArgumentLists.SplitTags(parseResult.GetValue(tags)),
                Env = ArgumentLists.ParseKeyValues(parseResult.GetValue(env), "--env", runner.Host.GetEnvironmentVariable),
                Secrets = ArgumentLists.ParseKeyValues(parseResult.GetValue(secrets), "--secret", runner.Host.GetEnvironmentVariable),
                TimeoutSeconds = parseResult.GetValue(timeout) is { } limit ? (int)limit.TotalSeconds : null,
            };

            return await RunAsync(client, runner.Console, request, parseResult.GetValue(noWait), ct);
        }, ct));

        return deploy;
    }

    private static async Task<int> RunAsync(
        ArgyApiClient client, CliConsole console, CreateDeploymentRequest request, bool noWait, CancellationToken ct)
    {
        var run = (await client.CreateDeploymentAsync(request, ct)).Value;
        var runId = run.RunId;
        var pending = run.Status == RunStatus.PendingApproval;
        await console.Error.WriteLineAsync(pending ? $"waiting for approval (run {runId})..." : $"run {runId} queued");
        if (noWait)
        {
            await console.Out.WriteLineAsync(runId);
            return ExitCodes.Success;
        }

        Deployment finished;
        try
        {
            if (pending)
            {
                run = await ApprovalWait.UntilDecidedAsync(client, runId, ct);
                if (run.Approval is { State: "approved" } approval)
                {
                    await console.Error.WriteLineAsync(
                        $"run {runId} approved by {approval.DecidedBy}" + (approval.Comment is { Length: > 0 } comment ? $": {comment}" : ""));
                }

                if (RunStatus.IsTerminal(run.Status))
                {
                    var decided = RunOutcome.Of(run);
                    await console.Error.WriteLineAsync(decided.Summary);
                    return decided.ExitCode;
                }
            }

            finished = (await new LogFollower(client, console).CopyAsync(runId, follow: true, ct))!;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Leaving the run alone is deliberate: a CI job timing out locally must not abort a deployment halfway.
            await console.Error.WriteLineAsync(
                $"stopped following run {runId}; it keeps {(pending ? "waiting or running" : "running")}. To cancel it: argy deployments cancel {runId}");
            return ExitCodes.Interrupted;
        }

        var outcome = RunOutcome.Of(finished);
        await console.Error.WriteLineAsync(outcome.Summary);
        return outcome.ExitCode;
    }

    private static TimeSpan? ParseTimeout(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Durations.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"--timeout: invalid duration '{text}' (use e.g. 90s, 30m, 1h or plain seconds)");
        return null;
    }
}
