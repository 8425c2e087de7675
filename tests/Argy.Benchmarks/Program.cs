using System.Diagnostics;
using Argy.Benchmarks.Micro;
using Argy.Benchmarks.Reporting;
using Argy.Benchmarks.Scenarios;
using BenchmarkDotNet.Running;

// Usage: dotnet run -c Release --project tests/Argy.Benchmarks -- [--quick] [--only a,b] [--json FILE] [--micro]
//   --quick     small sizes (under 2 minutes); exits non-zero only on a gross regression: a median or a value more
//               than 5x worse than its target and than the baseline's (see Figure.GrosslyRegressed)
//   --only      scenarios by name: dispatch-latency, fleet, throughput, log-throughput, agent-footprint, revocation
//   --json      where to write the figures (default: artifacts/bench/<date>.json)
//   --baseline  figures of an earlier run (its --json file) to compare with, e.g. tests/Argy.Benchmarks/baseline-quick.json
//   --micro   run the BenchmarkDotNet micro-benchmarks (masking, wire encoding) instead
if (args.Contains("--micro"))
{
    BenchmarkRunner.Run<LogPathBenchmarks>();
    return 0;
}

var quick = args.Contains("--quick");
var only = Argument("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
IScenario[] all = [new DispatchLatency(), new FleetScale(), new Throughput(), new LogThroughput(), new AgentFootprint(), new RevocationAndLoss()];
if (only?.Except(all.Select(s => s.Name)).ToList() is { Count: > 0 } unknown)
{
    Console.Error.WriteLine($"error: unknown scenario {string.Join(", ", unknown)}; use {string.Join(", ", all.Select(s => s.Name))}");
    return 2;
}

var scenarios = all.Where(s => only is null || only.Contains(s.Name)).ToArray();
var baseline = Argument("--baseline") is { } baselinePath ? ReportDocument.Read(baselinePath) : null;
var machine = $"{Environment.ProcessorCount} cores, {MemoryGiB():F1} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
var report = new Report();
var context = new BenchContext(quick, report);
using var cancellation = new CancellationTokenSource(quick ? TimeSpan.FromMinutes(4) : TimeSpan.FromMinutes(30));

Console.WriteLine($"Argy benchmarks ({(quick ? "quick" : "full")}) on {machine}");
var failures = 0;
foreach (var scenario in scenarios)
{
    Console.WriteLine($"- {scenario.Name}");
    var clock = Stopwatch.StartNew();
    try
    {
        await scenario.RunAsync(context, cancellation.Token);
    }
    catch (Exception e)
    {
        failures++;
        Console.Error.WriteLine($"  scenario {scenario.Name} failed: {e.GetType().Name}: {e.Message}");
    }

    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
}

report.PrintTable(Console.Out, machine);
var json = Argument("--json") ?? Path.Combine("artifacts", "bench", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}{(quick ? "-quick" : "")}.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
report.WriteJson(json, machine, Environment.GetEnvironmentVariable("GIT_COMMIT") ?? "");
Console.WriteLine($"Figures written to {json}");

if (baseline is not null)
{
    report.PrintComparison(Console.Out, baseline);
}

var before = baseline?.Figures.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First()) ?? [];
var gross = report.Figures.Where(f => f.GrosslyRegressed(before.GetValueOrDefault(f.Key), quick)).ToList();
foreach (var figure in gross)
{
    Console.Error.WriteLine(
        $"GROSS REGRESSION: {figure.Key} = {figure.Judged} {figure.Unit}, target {figure.Target}, baseline {before.GetValueOrDefault(figure.Key)?.Judged?.ToString() ?? "none"}");
}

return failures > 0 || gross.Count > 0 ? 1 : 0;

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static double MemoryGiB()
{
    var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1048576;
}
