namespace Argy.Cli.Common;

/// <summary>The command line is well-formed but asks for something that cannot be done; exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
