using System.CommandLine;
using System.CommandLine.Invocation;

namespace Argy.Agent.Cli;

/// <summary>The argy-agent command line.</summary>
internal static class AgentCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Argy agent: runs CI and deployment jobs for an Argy control plane")
        {
            EnrollCommand.Create(),
            RunCommand.Create(),
            StatusCommand.Create(),
            DoctorCommand.Create(),
            RotateCommand.Create(),
        };
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new VersionAction();
        }

        return root;
    }

    public static async Task<int> InvokeAsync(
        string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var parseResult = Create().Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // The library would otherwise install its own SIGINT/SIGTERM handling and, for `run`, force the
            // process down after a short timeout instead of letting the host drain running jobs.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };

        if (parseResult.Action is ParseErrorAction && parseResult.Errors.Count > 0)
        {
            return CliAction.Fail(invocation.Error, ExitCodes.Usage, $"{parseResult.Errors[0].Message} (see --help)");
        }

        return await parseResult.InvokeAsync(invocation, cancellationToken);
    }
}
