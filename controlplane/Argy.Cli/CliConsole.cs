using System.Text;

namespace Argy.Cli;

/// <summary>
/// Text writers and the raw byte streams behind them. Job output goes to the raw streams untouched,
/// so binary output survives; the writers flush on every write so both keep their relative order.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(Stream stdout, Stream stderr)
    {
        StdOut = stdout;
        StdErr = stderr;
        Out = new StreamWriter(stdout, new UTF8Encoding(false), bufferSize: 4096, leaveOpen: true) { AutoFlush = true };
        Error = new StreamWriter(stderr, new UTF8Encoding(false), bufferSize: 4096, leaveOpen: true) { AutoFlush = true };
    }

    public Stream StdOut { get; }

    public Stream StdErr { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }
}
