using System.CommandLine;
using Argy.Agent.State;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Cli;

/// <summary>Runs a command body and turns every failure into an exit code and one "error: ..." line on stderr.</summary>
internal static class CliAction
{
    public static async Task<int> RunAsync(
        ParseResult parseResult, Func<TextWriter, Task<int>> body, CancellationToken cancellationToken)
    {
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            return await body(parseResult.InvocationConfiguration.Output);
        }
        catch (CliException ex)
        {
            return Fail(error, ex.ExitCode, ex.Message);
        }
        catch (OptionsValidationException ex)
        {
            return Fail(error, ExitCodes.Configuration, $"invalid configuration: {string.Join("; ", ex.Failures)}");
        }
        catch (AgentStateException ex)
        {
            return Fail(error, ExitCodes.Failure, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(error, ExitCodes.Failure, "interrupted");
        }
        catch (Exception ex)
        {
            return Fail(error, ExitCodes.Failure, ex.Message);
        }
    }

    public static int Fail(TextWriter error, int exitCode, string message)
    {
        error.WriteLine($"error: {OneLine(message)}");
        return exitCode;
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
