using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Tests.Storage;

/// <summary>The stores themselves keep tenants apart: a scope for tenant B never sees tenant A's rows.</summary>
public sealed class TenantIsolationTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly TenantScope _a;
    private readonly TenantScope _b;
    private static readonly Argy.ControlPlane.Audit.AuditTrail Audit = new(new Microsoft.AspNetCore.Http.HttpContextAccessor(), TimeProvider.System, new Argy.ControlPlane.Audit.AuditContentCipher(Microsoft.Extensions.Options.Options.Create(new Argy.ControlPlane.Audit.AuditOptions())));

    public TenantIsolationTests()
    {
        var tenants = new TenantStore(_db.Database, TimeProvider.System);
        _a = TenantScope.Of(tenants.Create("a").Id);
        _b = TenantScope.Of(tenants.Create("b").Id);
    }

    private DeploymentStore Deployments() => new(
        _db.Database, TimeProvider.System, Audit,
        new Argy.ControlPlane.Quotas.DeploymentQuotaStore(_db.Database, TimeProvider.System));

    [Fact]
    public void Agents_of_one_tenant_are_invisible_and_untouchable_from_another()
    {
        var agents = new AgentStore(_db.Database, Audit, TimeProvider.System);
        var (agent, _) = agents.Create(_a, "build-1", "", ["linux"], TimeSpan.FromHours(1));

        agents.Get(_b, agent.Id).Should().BeNull();
        agents.List(_b).Should().BeEmpty();
        agents.Revoke(_b, agent.Id, new Argy.ControlPlane.Audit.AuditEntry("agent.revoked", "agent", agent.Id)).Should().BeFalse();
        agents.Get(_a, agent.Id)!.RevokedAt.Should().BeNull();
    }

    [Fact]
    public void Deployments_and_logs_of_one_tenant_are_invisible_and_untouchable_from_another()
    {
        var deployments = Deployments();
        var logs = new LogStore(_db.Database);
        var run = deployments.Create(_a, new NewDeployment("web", null, "true", [], new Dictionary<string, string>(), null, 60, "tok_a"));
        logs.Append(_a, run.Id, 1, 1, 0, "secret output"u8.ToArray()).Should().BeTrue();

        deployments.Get(_b, run.Id).Should().BeNull();
        deployments.List(_b, null, 100).Should().BeEmpty();
        deployments.Queued(_b, 0, 100).Should().BeEmpty();
        deployments.TryAssign(_b, run.Id, "agt_x").Should().BeFalse();
        deployments.FinishWithoutAgent(_b, run.Id, "status = 'Queued'", DeploymentStatus.Cancelled, "no").Should().BeFalse();
        logs.Read(_b, run.Id, 0, 100).Should().BeEmpty();
        deployments.Get(_a, run.Id)!.Status.Should().Be(DeploymentStatus.Queued);
    }

    [Fact]
    public void A_run_is_assigned_to_one_agent_only()
    {
        var deployments = Deployments();
        var run = deployments.Create(_a, new NewDeployment("web", null, "true", [], new Dictionary<string, string>(), null, 60, "tok_a"));

        var winners = Enumerable.Range(0, 8).AsParallel().Count(i => deployments.TryAssign(_a, run.Id, $"agt_{i}"));

        winners.Should().Be(1);
    }

    [Fact]
    public void A_log_chunk_delivered_twice_is_stored_once()
    {
        var deployments = Deployments();
        var logs = new LogStore(_db.Database);
        var run = deployments.Create(_a, new NewDeployment("web", null, "true", [], new Dictionary<string, string>(), null, 60, "tok_a"));

        logs.Append(_a, run.Id, 1, 1, 0, "one"u8.ToArray()).Should().BeTrue();
        logs.Append(_a, run.Id, 1, 1, 0, "one"u8.ToArray()).Should().BeFalse();
        logs.Append(_a, run.Id, 2, 1, 0, "two"u8.ToArray()).Should().BeTrue();

        logs.Read(_a, run.Id, 0, 100).Select(c => c.Seq).Should().Equal(1, 2);
    }

    public void Dispose() => _db.Dispose();
}
