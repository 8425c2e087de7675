using Argy.Cli;

using var interrupt = new CancellationTokenSource();

Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C lets the command stop on its own terms; a second one ends the process.
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

var console = new CliConsole(Console.OpenStandardOutput(), Console.OpenStandardError());
var host = new CliHost(console, Environment.GetEnvironmentVariable, TimeProvider.System);

return await CliApp.RunAsync(args, host, interrupt.Token);
