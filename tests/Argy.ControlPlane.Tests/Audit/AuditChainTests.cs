using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit;

public sealed class AuditChainTests : IAsyncLifetime
{
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync();

    public async Task DisposeAsync() => await _cp.DisposeAsync();

    [Fact]
    public async Task An_intact_chain_verifies_and_counts_every_record()
    {
        var before = _cp.RecordCount();
        _cp.AppendMany(5);

        var result = await _cp.VerifyAsync();

        ((bool)result["ok"]!).Should().BeTrue(result.ToJsonString());
        ((long)result["checked"]!).Should().Be(before + 5);
        result["firstBroken"].Should().BeNull();
    }

    [Fact]
    public async Task Editing_a_field_of_a_record_in_the_SQLite_file_breaks_the_chain_at_that_record()
    {
        var before = _cp.RecordCount();
        var records = _cp.AppendMany(5);
        _cp.Tamper("UPDATE audit_events SET detail = 'Nothing happened' WHERE seq = @Seq", new { records[2].Seq });

        var result = await _cp.VerifyAsync();

        ((bool)result["ok"]!).Should().BeFalse();
        ((long)result["firstBroken"]!["seq"]!).Should().Be(records[2].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.HashMismatch);
        ((long)result["checked"]!).Should().Be(before + 2);
    }

    [Fact]
    public async Task Deleting_a_record_breaks_the_chain_at_the_record_after_it()
    {
        var records = _cp.AppendMany(5);
        _cp.Tamper("DELETE FROM audit_events WHERE seq = @Seq", new { records[1].Seq });

        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(records[2].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.PrevHashMismatch);
    }

    [Fact]
    public async Task Deleting_the_first_record_breaks_the_chain_at_the_second()
    {
        var records = _cp.AppendMany(3);
        _cp.Tamper("DELETE FROM audit_events WHERE seq = @Seq", new { records[0].Seq });

        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(records[1].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.PrevHashMismatch);
    }

    [Fact]
    public async Task Swapping_the_order_of_two_records_breaks_the_chain_at_the_first_of_them()
    {
        var records = _cp.AppendMany(5);
        var (a, b) = (records[1].Seq, records[3].Seq);
        _cp.Tamper(
            """
            UPDATE audit_events SET seq = -1 WHERE seq = @a;
            UPDATE audit_events SET seq = @a WHERE seq = @b;
            UPDATE audit_events SET seq = @b WHERE seq = -1;
            """, new { a, b });

        var result = await _cp.VerifyAsync();

        ((bool)result["ok"]!).Should().BeFalse();
        ((long)result["firstBroken"]!["seq"]!).Should().Be(a);
    }

    [Fact]
    public async Task Editing_a_record_and_recomputing_its_hash_is_caught_at_the_next_record()
    {
        var records = _cp.AppendMany(4);
        var edited = records[1];
        var forged = new AuditRecord
        {
            Seq = edited.Seq, TenantId = edited.TenantId, At = edited.At, Action = edited.Action, Outcome = AuditOutcome.Denied,
            ActorType = edited.ActorType, Actor = edited.Actor, ResourceType = edited.ResourceType, ResourceId = edited.ResourceId,
            Detail = edited.Detail, PrevHash = edited.PrevHash,
        };
        _cp.Tamper("UPDATE audit_events SET outcome = 'denied', hash = @hash WHERE seq = @Seq",
            new { edited.Seq, hash = AuditChain.Compute(forged, edited.PrevHash) });

        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(records[2].Seq);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.PrevHashMismatch);
    }

    [Fact]
    public async Task A_record_slipped_in_without_a_hash_after_the_chain_began_is_reported_unchained()
    {
        _cp.AppendMany(2);
        var slipped = _cp.Scalar<long>(
            """
            INSERT INTO audit_events (tenant_id, at, action, outcome, actor, detail) VALUES (@tenant, @at, 'user.deleted', 'success', 'nobody', '');
            SELECT last_insert_rowid();
            """, new { tenant = _cp.TenantId, at = _cp.Time.GetUtcNow().ToUnixTimeMilliseconds() });

        var result = await _cp.VerifyAsync();

        ((long)result["firstBroken"]!["seq"]!).Should().Be(slipped);
        ((string)result["firstBroken"]!["reason"]!).Should().Be(AuditBreak.Unchained);
    }

    [Fact]
    public async Task Each_tenant_has_its_own_chain()
    {
        var other = _cp.Services.GetRequiredService<Bootstrapper>().CreateTenant("other")!;
        var before = _cp.RecordCount();
        var mine = _cp.AppendMany(3);
        var theirs = _cp.AppendMany(3, other.TenantId);
        _cp.AppendMany(2);
        _cp.Tamper("UPDATE audit_events SET actor = 'someone-else' WHERE seq = @Seq", new { theirs[0].Seq });

        var ours = await _cp.VerifyAsync();
        var broken = await _cp.VerifyAsync(_cp.Http(other.Token));

        ((bool)ours["ok"]!).Should().BeTrue(ours.ToJsonString());
        ((long)ours["checked"]!).Should().Be(before + 5);
        ((long)broken["firstBroken"]!["seq"]!).Should().Be(theirs[0].Seq);
        mine.Select(r => r.Seq).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task Verification_needs_the_audit_read_permission()
    {
        var response = await _cp.Http(_cp.Token(Roles.User)).GetAsync("/api/v1/audit-events/verify");

        ((int)response.StatusCode).Should().Be(403);
    }

    [Fact]
    public void The_offline_verify_command_checks_every_chain_of_the_file_and_names_the_broken_record()
    {
        var other = _cp.Services.GetRequiredService<Bootstrapper>().CreateTenant("other")!;
        _cp.AppendMany(3);
        var theirs = _cp.AppendMany(3, other.TenantId);
        var path = _cp.Services.GetRequiredService<Database>().Path;

        var (intact, intactOut, _) = RunOffline(path, null);
        intact.Should().Be(0, intactOut);
        intactOut.Should().Contain($"tenant {_cp.TenantId}: ok, {_cp.RecordCount()} record(s) verified")
            .And.Contain($"tenant {other.TenantId}: ok, {_cp.RecordCount(other.TenantId)} record(s) verified");

        _cp.Tamper("UPDATE audit_events SET resource_id = 'prd_x' WHERE seq = @Seq", new { theirs[1].Seq });
        var (broken, brokenOut, _) = RunOffline(path, null);
        var (mineOnly, _, _) = RunOffline(path, _cp.TenantId);
        var (missing, _, missingErr) = RunOffline(path + ".nope", null);

        broken.Should().Be(1);
        brokenOut.Should().Contain($"tenant {other.TenantId}: broken at record {theirs[1].Seq}: its hash does not match its fields");
        mineOnly.Should().Be(0);
        missing.Should().Be(2);
        missingErr.Should().StartWith("error: no database at");
    }

    private static (int Exit, string Out, string Err) RunOffline(string path, string? tenant)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = AuditCommand.Verify(path, tenant, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
