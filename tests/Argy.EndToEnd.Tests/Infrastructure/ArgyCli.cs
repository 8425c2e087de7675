using CliWrap;
using CliWrap.Buffered;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real `argy` CLI the way a CI job does: ARGY_URL and ARGY_TOKEN in the environment.</summary>
public static class ArgyCli
{
    public static async Task<BufferedCommandResult> RunAsync(ControlPlane controlPlane, TenantCredentials? tenant, params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Cli.Wrap("dotnet")
            .WithArguments([Executables.Cli, .. arguments])
            .WithEnvironmentVariables(env => env
                .Set("ARGY_URL", controlPlane.Url)
                .Set("ARGY_TOKEN", (tenant ?? controlPlane.Admin).Token))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
    }
}
