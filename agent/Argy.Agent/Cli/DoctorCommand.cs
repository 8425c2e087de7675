using System.CommandLine;
using Argy.Agent.Configuration;
using Argy.Agent.Isolation;

namespace Argy.Agent.Cli;

/// <summary>
/// Checks, without enrollment or a control plane, that jobs can run here the way the configuration asks:
/// exits 0 when the configured isolation works, 1 with the reason when it does not.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var stateDir = CommonOptions.StateDirectory();
        var workRoot = new Option<string>("--work-root")
        {
            Description = "Directory for job workspaces (default: Agent:WorkRoot, /work)",
            HelpName = "DIR",
        };
        var command = new Command("doctor", "Check that jobs can run isolated on this machine, and show how") { stateDir, workRoot };
        command.SetAction((parseResult, cancellationToken) => CliAction.RunAsync(parseResult, async output =>
        {
            var overrides = new Dictionary<string, string?>();
            CommonOptions.AddPath(overrides, parseResult, stateDir, nameof(AgentOptions.StateDirectory));
            CommonOptions.AddPath(overrides, parseResult, workRoot, nameof(AgentOptions.WorkRoot));
            var options = ConfigurationServiceCollectionExtensions.LoadAgentOptions(AgentConfiguration.Build(overrides));
            return await DiagnoseAsync(options, output, cancellationToken);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> DiagnoseAsync(AgentOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var isolation = options.Isolation;
        var agent = Native.CurrentUser;
        await output.WriteLineAsync($"configured:   Agent:Isolation:Mode={isolation.Mode}{(isolation.AllowFallback ? ", AllowFallback=true" : "")}");
        await output.WriteLineAsync($"agent user:   {agent}");
        await output.WriteLineAsync($"work root:    {Path.GetFullPath(options.WorkRoot)}");

        var plan = await IsolationPlanner.PlanAsync(options, isolation.Mode, cancellationToken);
        if (plan.Sandbox is BubblewrapSandbox bubblewrap)
        {
            var setup = bubblewrap.Setup;
            await output.WriteLineAsync($"bubblewrap:   {setup.Bubblewrap} ({setup.Version})");
            await output.WriteLineAsync($"setpriv:      {setup.DropPrivilegesWith ?? "not needed (the agent is not root)"}");
            await output.WriteLineAsync($"job user:     {setup.User}");
        }

        foreach (var note in plan.Notes)
        {
            await output.WriteLineAsync($"note:         {note}");
        }

        var problems = new List<string>();
        if (plan.Sandbox is null)
        {
            problems.Add(plan.Problem!);
        }
        else
        {
            var probe = await IsolationProbe.RunAsync(plan.Sandbox, options, cancellationToken);
            if (plan.Sandbox is BubblewrapSandbox { Setup: var setup })
            {
                await output.WriteLineAsync($"hidden:       {string.Join(", ", setup.HiddenPaths.Where(Path.Exists))}");
            }

            await output.WriteLineAsync($"probe job:    {(probe.Works ? "ok" : "FAILED")} in {probe.Elapsed.TotalMilliseconds:0} ms");
            foreach (var passed in probe.Passed)
            {
                await output.WriteLineAsync($"  ok    {passed}");
            }

            foreach (var failure in probe.Failures)
            {
                await output.WriteLineAsync($"  FAIL  {failure}");
            }

            problems.AddRange(probe.Failures);
        }

        if (problems.Count > 0)
        {
            var consequence = isolation.AllowFallback && isolation.Mode != IsolationMode.None
                ? "'argy-agent run' would fall back to running jobs WITHOUT isolation (Agent:Isolation:AllowFallback=true)"
                : "'argy-agent run' refuses to start";
            await output.WriteLineAsync($"active:       none, {consequence}");
            throw new CliException(ExitCodes.Failure, $"job isolation '{isolation.Mode}' does not work here: {string.Join("; ", problems)}");
        }

        await output.WriteLineAsync($"active:       {isolation.Mode}: {plan.Sandbox!.Description}");
        if (isolation.Mode == IsolationMode.None)
        {
            await output.WriteLineAsync("warning:      jobs are NOT isolated; use Agent:Isolation:Mode=None only on a development machine");
        }

        return ExitCodes.Success;
    }
}
