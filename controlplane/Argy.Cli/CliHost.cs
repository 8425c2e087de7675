namespace Argy.Cli;

/// <summary>Everything the CLI takes from the outside world, so tests can run it in-process.</summary>
internal sealed record CliHost(CliConsole Console, Func<string, string?> GetEnvironmentVariable, TimeProvider Time);
