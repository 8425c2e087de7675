using System.Text;

namespace Argy.Cli.Common;

/// <summary>Plain left-aligned columns, like kubectl, so the output stays greppable.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public async Task WriteAsync(TextWriter writer)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var c = 0; c < widths.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        await writer.WriteLineAsync(Format(headers, widths));
        foreach (var row in _rows)
        {
            await writer.WriteLineAsync(Format(row, widths));
        }
    }

    private static string Format(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var c = 0; c < cells.Length; c++)
        {
            line.Append(c == cells.Length - 1 ? cells[c] : cells[c].PadRight(widths[c] + 2));
        }

        return line.ToString().TrimEnd();
    }
}
