using System.Text;
using Argy.Cli;

namespace Argy.Cli.Tests.Infrastructure;

internal sealed record CliResult(int ExitCode, byte[] StdOutBytes, string StdErr)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);
}

/// <summary>Runs the real CLI entry point in-process with captured console streams.</summary>
internal static class CliRunner
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static Task<CliResult> RunAsync(params string[] args) =>
        RunAsync(args, new Dictionary<string, string>(), CancellationToken.None);

    public static async Task<CliResult> RunAsync(
        string[] args, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var host = new CliHost(new CliConsole(stdout, stderr), name => environment.GetValueOrDefault(name), new FixedTimeProvider(Now));

        var exitCode = await CliApp.RunAsync(args, host, ct);

        return new CliResult(exitCode, stdout.ToArray(), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
