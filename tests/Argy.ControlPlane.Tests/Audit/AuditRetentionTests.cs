using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Tests.Audit;

public sealed class AuditRetentionTests : IAsyncLifetime
{
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync(new Dictionary<string, string?> { ["Argy:Audit:RetentionDays"] = "120" });

    public async Task DisposeAsync() => await _cp.DisposeAsync();

    [Fact]
    public async Task The_purge_deletes_records_past_retention_and_the_rest_still_verifies_from_the_anchor()
    {
        var old = _cp.AppendMany(3);
        _cp.Time.Advance(TimeSpan.FromDays(60));
        var kept = _cp.AppendMany(2);
        _cp.Time.Advance(TimeSpan.FromDays(61));

        // The hourly purge may already have run as the clock moved; running it again changes nothing.
        _cp.Services.GetRequiredService<AuditPurge>().Run(CancellationToken.None);
        var later = _cp.AppendMany(1);

        _cp.Scalar<long>("SELECT COUNT(*) FROM audit_events WHERE tenant_id = @t", new { t = _cp.TenantId }).Should().Be(3);
        _cp.Scalar<long>("SELECT seq FROM audit_anchors WHERE tenant_id = @t", new { t = _cp.TenantId }).Should().Be(old[^1].Seq);
        var result = await _cp.VerifyAsync();
        ((bool)result["ok"]!).Should().BeTrue(result.ToJsonString());
        ((long)result["checked"]!).Should().Be(3);
        ((long)result["anchorSeq"]!).Should().Be(old[^1].Seq);
        later[0].Seq.Should().BeGreaterThan(kept[^1].Seq);
    }

    [Fact]
    public async Task After_a_purge_deleting_the_oldest_remaining_record_is_still_detected()
    {
        _cp.AppendMany(2);
        _cp.Time.Advance(TimeSpan.FromDays(121));
        var kept = _cp.AppendMany(3);
        _cp.Services.GetRequiredService<AuditPurge>().Run(CancellationToken.None);

        _cp.Tamper("DELETE FROM audit_events WHERE seq = @Seq", new { kept[0].Seq });
        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(kept[1].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.PrevHashMismatch);
    }

    [Fact]
    public async Task After_a_purge_editing_a_remaining_record_is_still_detected()
    {
        _cp.AppendMany(2);
        _cp.Time.Advance(TimeSpan.FromDays(121));
        var kept = _cp.AppendMany(3);
        _cp.Services.GetRequiredService<AuditPurge>().Run(CancellationToken.None);

        _cp.Tamper("UPDATE audit_events SET at = at + 1 WHERE seq = @Seq", new { kept[2].Seq });
        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(kept[2].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.HashMismatch);
    }

    [Fact]
    public async Task When_every_record_was_purged_new_records_chain_on_from_the_anchor()
    {
        var old = _cp.AppendMany(4);
        _cp.Time.Advance(TimeSpan.FromDays(121));
        _cp.Services.GetRequiredService<AuditPurge>().Run(CancellationToken.None);
        _cp.Scalar<long>("SELECT COUNT(*) FROM audit_events WHERE tenant_id = @t", new { t = _cp.TenantId }).Should().Be(0);

        var fresh = _cp.AppendMany(2);
        var result = await _cp.VerifyAsync();

        ((bool)result["ok"]!).Should().BeTrue(result.ToJsonString());
        ((long)result["checked"]!).Should().Be(2);
        fresh[0].PrevHash.Should().Equal(old[^1].Hash);
        fresh[0].Seq.Should().BeGreaterThan(old[^1].Seq, "a purge never lets a seq come back");
    }

    [Fact]
    public void A_chain_that_does_not_verify_is_not_purged()
    {
        var before = _cp.RecordCount();
        var old = _cp.AppendMany(3);
        _cp.Tamper("UPDATE audit_events SET detail = 'rewritten' WHERE seq = @Seq", new { old[1].Seq });
        _cp.Time.Advance(TimeSpan.FromDays(121));

        _cp.Services.GetRequiredService<AuditPurge>().Run(CancellationToken.None).Should().Be(0);

        _cp.RecordCount().Should().Be(before + 3);
    }

    [Fact]
    public async Task The_purge_runs_on_its_own_every_interval_of_the_clock()
    {
        _cp.AppendMany(2);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        _cp.Time.Advance(TimeSpan.FromDays(121));
        while (_cp.Scalar<long>("SELECT COUNT(*) FROM audit_events WHERE tenant_id = @t", new { t = _cp.TenantId }) > 0)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the hourly purge should have run");
            _cp.Time.Advance(TimeSpan.FromHours(1));
            await Task.Delay(50);
        }

        ((bool)(await _cp.VerifyAsync())["ok"]!).Should().BeTrue();
    }

    [Fact]
    public void Retention_is_read_from_configuration()
    {
        _cp.Services.GetRequiredService<IOptions<AuditOptions>>().Value.RetentionDays.Should().Be(120);
    }

    [Theory]
    [InlineData("Argy:Audit:RetentionDays", "30")]
    [InlineData("Argy:Audit:ActiveContentKey", "missing")]
    [InlineData("Argy:Audit:ContentKeys:k1", "dG9vIHNob3J0")]
    public async Task Bad_audit_settings_stop_the_start(string key, string value)
    {
        var start = async () => await (await TestControlPlane.StartAsync(new Dictionary<string, string?> { [key] = value })).DisposeAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Argy:Audit");
    }
}
