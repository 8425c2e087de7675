using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argy.Benchmarks.Reporting;

/// <summary>One measured figure: a distribution (latencies) or a single value (throughput, memory), with its target.</summary>
internal sealed record Figure(string Scenario, string Name, string Unit, Stats? Distribution, double? Value, double? Target, string? TargetOn, string? Note)
{
    /// <summary>The number judged against the target: the named percentile of a distribution, or the value.</summary>
    public double? Judged => TargetOn switch
    {
        "p50" => Distribution?.Median,
        "p99" => Distribution?.P99,
        "max" => Distribution?.Max,
        _ => Value,
    };

    /// <summary>Lower is better unless the unit is a rate.</summary>
    public bool HigherIsBetter => Unit.EndsWith("/s", StringComparison.Ordinal);

    public bool? MeetsTarget => Target is { } t && Judged is { } j ? (HigherIsBetter ? j >= t : j <= t) : null;

    /// <summary>More than five times off target.</summary>
    public bool GrosslyOff => Target is { } t && Judged is { } j && (HigherIsBetter ? j * 5 < t : j > t * 5);

    /// <summary>
    /// A gross regression, the only thing that fails a quick run: more than five times worse than the target and
    /// than the same figure in the baseline run (so a figure that is still short of its target fails only when it
    /// got five times worse than it was). A p99 of a quick run's few samples is its maximum, one scheduling
    /// hiccup, so it is never judged there; the median and single values are.
    /// </summary>
    public bool GrosslyRegressed(Figure? baseline, bool quick)
    {
        if (quick && TargetOn is "p99" or "max")
        {
            return false;
        }

        if (Target is not { } t || Judged is not { } j || double.IsNaN(j))
        {
            return false;
        }

        var reference = baseline?.Judged is { } b && !double.IsNaN(b) ? (HigherIsBetter ? Math.Min(t, b) : Math.Max(t, b)) : t;
        return HigherIsBetter ? j * 5 < reference : j > reference * 5;
    }

    public string Key => Scenario + " / " + Name;
}

internal sealed class Report
{
    private readonly List<Figure> _figures = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine($"  {figure.Scenario} / {figure.Name}: {Describe(figure)}");
    }

    public void Distribution(string scenario, string name, string unit, IReadOnlyCollection<double> values, double? target = null, string? targetOn = null, string? note = null) =>
        Add(new Figure(scenario, name, unit, Stats.Of(values), null, target, targetOn, note));

    public void Value(string scenario, string name, string unit, double value, double? target = null, string? note = null) =>
        Add(new Figure(scenario, name, unit, null, value, target, target is null ? null : "value", note));

    public void PrintTable(TextWriter output, string machine)
    {
        output.WriteLine();
        output.WriteLine($"Machine: {machine}");
        output.WriteLine($"{"scenario",-22} {"figure",-38} {"median",10} {"p90",10} {"p99",10} {"max / value",12} {"unit",-6} {"target",-14} ok");
        foreach (var f in _figures)
        {
            var d = f.Distribution;
            var target = f.Target is { } t ? $"{(f.HigherIsBetter ? ">=" : "<=")} {Format(t)} {f.TargetOn}" : "";
            var ok = f.MeetsTarget switch { true => "yes", false => f.GrosslyOff ? "no (>5x)" : "no", null => "" };
            output.WriteLine(
                $"{f.Scenario,-22} {f.Name,-38} {Format(d?.Median),10} {Format(d?.P90),10} {Format(d?.P99),10} {Format(d?.Max ?? f.Value),12} {f.Unit,-6} {target,-14} {ok}");
        }
    }

    /// <summary>Each figure next to the same figure of an earlier run: the ratio says how much better or worse.</summary>
    public void PrintComparison(TextWriter output, ReportDocument baseline)
    {
        var before = baseline.Figures.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First());
        output.WriteLine();
        output.WriteLine($"Against {(baseline.Commit.Length > 0 ? "commit " + baseline.Commit : "the baseline")} of {baseline.At:yyyy-MM-dd HH:mm} UTC ({baseline.Machine}):");
        foreach (var f in _figures)
        {
            if (f.Judged is not { } now || !before.TryGetValue(f.Key, out var then) || then.Judged is not { } was || was == 0)
            {
                continue;
            }

            var better = f.HigherIsBetter ? now / was : was / now;
            output.WriteLine($"  {f.Key,-62} {Format(was),10} -> {Format(now),10} {f.Unit,-6} {(better >= 1 ? $"{better:F2}x better" : $"{1 / better:F2}x worse")}");
        }
    }

    public void WriteJson(string path, string machine, string commit)
    {
        var document = new ReportDocument(DateTimeOffset.UtcNow, machine, commit, _figures);
        File.WriteAllText(path, JsonSerializer.Serialize(document, ReportJsonContext.Default.ReportDocument));
    }

    private static string Describe(Figure f) => f.Distribution is { } d
        ? $"median {Format(d.Median)} p90 {Format(d.P90)} p99 {Format(d.P99)} max {Format(d.Max)} {f.Unit} (n={d.Count})"
        : $"{Format(f.Value)} {f.Unit}";

    private static string Format(double? value) => value switch
    {
        null => "",
        double.NaN => "n/a",
        >= 1000 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("F3", CultureInfo.InvariantCulture),
    };
}

internal sealed record ReportDocument(DateTimeOffset At, string Machine, string Commit, IReadOnlyList<Figure> Figures)
{
    public static ReportDocument Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), ReportJsonContext.Default.ReportDocument)
        ?? throw new InvalidDataException($"{path} holds no figures.");
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ReportDocument))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
