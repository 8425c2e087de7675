using System.Diagnostics;
using Argy.Benchmarks.Micro;
using Argy.Benchmarks.Reporting;
using Argy.Benchmarks.Scenarios;
using BenchmarkDotNet.Running;

// Usage: dotnet run -c Release --project tests/Argy.Benchmarks -- [--quick] [--only a,b] [--json FILE] [--micro]
//   --quick   small sizes (under 2 minutes); exits non-zero only when a figure is more than 5x off its target
//   --only    scenarios by name: dispatch-latency, fleet, throughput, log-throughput, agent-footprint, revocation
//   --json    where to write the figures (default: artifacts/bench/<date>.json)
//   --micro   run the BenchmarkDotNet micro-benchmarks (masking, wire encoding) instead
if (args.Contains("--micro"))
{
    BenchmarkRunner.Run<LogPathBenchmarks>();
    return 0;
}

var quick = args.Contains("--quick");
var only = Argument("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
IScenario[] all = [new DispatchLatency(), new FleetScale(), new Throughput(), new LogThroughput(), new AgentFootprint(), new RevocationAndLoss()];
var scenarios = all.Where(s => only is null || only.Contains(s.Name)).ToArray();
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

var gross = report.Figures.Where(f => f.GrosslyOff).ToList();
foreach (var figure in gross)
{
    Console.Error.WriteLine($"GROSS REGRESSION: {figure.Scenario} / {figure.Name} = {figure.Judged} {figure.Unit}, target {figure.Target}");
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
