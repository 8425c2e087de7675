using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Approvals;

/// <summary>Decisions on runs waiting for approval, and the products' approval rules, each audited in its transaction.</summary>
public sealed class ApprovalStore(Database database, AuditTrail audit, TimeProvider time)
{
    private long Now => UnixMs.From(time.GetUtcNow());

    public IReadOnlyList<DeploymentRow> Pending(TenantScope scope, int limit)
    {
        using var connection = database.Open();
        return connection.Query<DeploymentRow>(
            "SELECT * FROM deployments WHERE tenant_id = @tenant AND status = 'PendingApproval' ORDER BY seq LIMIT @limit",
            new { tenant = scope.TenantId, limit }).AsList();
    }

    /// <summary>
    /// Approves (→ Queued) or rejects (→ Rejected, ended, the comment as its message) a run that still waits: a
    /// conditional UPDATE, so of two approvers racing exactly one decides. False when the run no longer waits.
    /// </summary>
    public bool Decide(TenantScope scope, string runId, bool approve, string decidedBy, string? comment, string product)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var now = Now;
        var changed = connection.Execute(
            approve
                ? """
                  UPDATE deployments SET status = 'Queued', decided_by = @decidedBy, decided_at = @now, decision_comment = @comment
                   WHERE id = @runId AND tenant_id = @tenant AND status = 'PendingApproval'
                  """
                : """
                  UPDATE deployments SET status = 'Rejected', decided_by = @decidedBy, decided_at = @now, decision_comment = @comment,
                                         message = @message, finished_at = @now, secrets = NULL
                   WHERE id = @runId AND tenant_id = @tenant AND status = 'PendingApproval'
                  """,
            new { runId, tenant = scope.TenantId, decidedBy, now, comment, message = $"Rejected by {decidedBy}: {comment}" },
            transaction) == 1;
        if (!changed)
        {
            return false;
        }

        audit.Append(connection, transaction, scope, new AuditEntry(
            approve ? AuditActions.DeploymentApproved : AuditActions.DeploymentRejected, AuditResources.Deployment, runId,
            Detail: approve ? $"Run {runId} of product {product} approved." : $"Run {runId} of product {product} rejected.",
            Data: new Dictionary<string, string?> { ["product"] = product, ["comment"] = comment, ["decidedBy"] = decidedBy }));
        transaction.Commit();
        return true;
    }

    public void SetRule(TenantScope scope, ProductRow product, ApprovalRule rule)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        connection.Execute(
            "UPDATE products SET approval = @approval, updated_at = @now WHERE id = @id AND tenant_id = @tenant",
            new { approval = rule.ToColumn(), now = Now, id = product.Id, tenant = scope.TenantId }, transaction);
        audit.Append(connection, transaction, scope, new AuditEntry(
            AuditActions.ProductApprovalUpdated, AuditResources.Product, product.Id,
            Detail: rule.Required
                ? $"Deployments of product {product.Name} need approval{(rule.Tags.Count == 0 ? "" : " when tagged " + string.Join(" or ", rule.Tags))}."
                : $"Deployments of product {product.Name} need no approval.",
            Data: new Dictionary<string, string?>
            {
                ["product"] = product.Name,
                ["required"] = rule.Required ? "true" : "false",
                ["tags"] = string.Join(",", rule.Tags),
            }));
        transaction.Commit();
    }
}
