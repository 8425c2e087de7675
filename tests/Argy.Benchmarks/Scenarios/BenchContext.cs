using Argy.Benchmarks.Reporting;

namespace Argy.Benchmarks.Scenarios;

/// <summary>What every scenario gets: the size knob and the report to add its figures to.</summary>
internal sealed record BenchContext(bool Quick, Report Report)
{
    public int Scale(int quick, int full) => Quick ? quick : full;
}

internal interface IScenario
{
    string Name { get; }

    Task RunAsync(BenchContext context, CancellationToken cancellationToken);
}
