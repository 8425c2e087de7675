using System.CommandLine;
using Argy.Cli.Api;

namespace Argy.Cli.Common;

/// <summary>
/// Runs a command body against the control plane and turns every expected failure into one
/// line on stderr and an exit code, so no stack trace ever reaches a pipeline log.
/// </summary>
internal sealed class CommandRunner(CliHost host, GlobalOptions globals)
{
    public CliHost Host => host;

    public CliConsole Console => host.Console;

    public async Task<int> RunAsync(
        ParseResult parseResult,
        Func<ArgyApiClient, ConnectionSettings, Task<int>> body,
        CancellationToken ct)
    {
        var error = Console.Error;
        try
        {
            var settings = globals.Resolve(parseResult, host.GetEnvironmentVariable);
            using var client = ArgyApiClient.Create(settings);
            return await body(client, settings);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (ApiException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            foreach (var line in ex.ValidationErrors)
            {
                await error.WriteLineAsync($"  {line}");
            }

            return ExitCodes.ForHttpStatus(ex.StatusCode);
        }
        catch (ControlPlaneUnreachableException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }
}
