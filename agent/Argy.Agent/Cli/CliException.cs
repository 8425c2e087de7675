namespace Argy.Agent.Cli;

/// <summary>A command failed in a way the operator can act on; printed as one line, no stack trace.</summary>
internal sealed class CliException(int exitCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}
