using System.Diagnostics;
using Argy.ControlPlane.Tests.Support;

namespace Argy.ControlPlane.Tests.Audit;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuredCollection
{
    public const string Name = "Runs alone: measures the process's managed heap";
}

/// <summary>Exports far more data than the heap bound while sampling the live managed heap.</summary>
[Collection(MemoryMeasuredCollection.Name)]
public sealed class AuditLargeExportTests
{
    private const int Rows = 200_000;

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task Exporting_200k_records_streams_them_in_bounded_memory(string format)
    {
        await using var cp = await TestControlPlane.StartAsync();
        var existing = cp.RecordCount();
        // Straight into the file: ~600 bytes of detail per record, ~130 MB of export in all.
        cp.Tamper(
            $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows})
            INSERT INTO audit_events (tenant_id, at, action, outcome, actor_type, actor, resource_type, resource_id, detail)
            SELECT @tenant, @at + i, 'deployment.submitted', 'success', 'user', 'usr_' || (i % 97), 'deployment', 'dep_' || i,
                   'row ' || i || ', "quoted" ' || hex(randomblob(300))
              FROM n
            """, new { tenant = cp.TenantId, at = cp.Time.GetUtcNow().ToUnixTimeMilliseconds() });

        var baseline = LiveHeap();
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, LiveHeap());
                await Task.Delay(100);
            }
        });

        var stopwatch = Stopwatch.StartNew();
        long bytes = 0, lines = 0;
        using (var response = await cp.Admin().GetAsync($"/api/v1/audit-events/export?format={format}", HttpCompletionOption.ResponseHeadersRead))
        {
            ((int)response.StatusCode).Should().Be(200);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }

        await sampling.CancelAsync();
        await sampler;

        lines.Should().Be(existing + Rows + (format == "csv" ? 1 : 0), "every record is exported (plus the CSV header)");
        bytes.Should().BeGreaterThan(120_000_000);
        (peak - baseline).Should().BeLessThan(48_000_000,
            "{0:N0} bytes were exported in {1}; the live heap grew by {2:N0} bytes", bytes, stopwatch.Elapsed, peak - baseline);
    }

    private static long LiveHeap() => GC.GetTotalMemory(forceFullCollection: true);
}
