using Argy.Agent.Isolation;
using Argy.Protocol.V1;

namespace Argy.Agent.Jobs;

/// <summary>The process a job asks for: a script runs as <c>/bin/sh -e -c</c>, a command as its own argv without a shell.</summary>
internal static class JobCommand
{
    public const string Shell = "/bin/sh";

    public static JobLaunch Create(AssignJob job, string workspace)
    {
        var environment = JobEnvironment.Build(job, workspace);
        var (program, arguments) = job.WorkCase switch
        {
            AssignJob.WorkOneofCase.Script => (Shell, new[] { "-e", "-c", job.Script }),
            AssignJob.WorkOneofCase.Command when job.Command.Argv.Count > 0 =>
                (ExecutableLocator.Locate(job.Command.Argv[0], environment["PATH"], workspace), job.Command.Argv.Skip(1).ToArray()),
            _ => throw new JobSetupException("the job has neither a command nor a script"),
        };

        return new JobLaunch(program, arguments, workspace, environment);
    }
}
