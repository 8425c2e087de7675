using Argy.Protocol.V1;

namespace Argy.Agent.Jobs;

/// <summary>
/// The environment a job sees: a small fixed set plus what the job brings. Nothing of the agent's own
/// environment leaks in (it may hold the agent's settings or a service manager's secrets).
/// </summary>
internal static class JobEnvironment
{
    public const string SafePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static Dictionary<string, string> Build(AssignJob job, string workspace)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = SafePath,
            ["HOME"] = workspace,
            ["TMPDIR"] = "/tmp",
            ["LANG"] = "C.UTF-8",
        };

        foreach (var (name, value) in job.Env.Concat(job.Secrets))
        {
            Validate(name, value);
            environment[name] = value;
        }

        // Set last so a job cannot make its own run id or workspace lie.
        environment["ARGY_RUN_ID"] = job.RunId;
        environment["ARGY_PRODUCT"] = job.Product;
        environment["ARGY_WORKSPACE"] = workspace;
        return environment;
    }

    private static void Validate(string name, string value)
    {
        if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new JobSetupException($"invalid environment variable name '{name}'");
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new JobSetupException($"environment variable {name} contains a NUL character");
        }
    }
}
