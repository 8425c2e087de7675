namespace Argy.ControlPlane.Approvals;

/// <summary>A product's approval rule: required, optionally only for deployments with one of these tags.</summary>
public sealed record ApprovalRuleRequest(bool? Required, IReadOnlyList<string>? Tags);

public sealed record ApprovalRuleResponse(string ProductId, string Product, bool Required, IReadOnlyList<string> Tags);

/// <summary>An approver's decision; a rejection needs a comment, which becomes the run's message.</summary>
public sealed record ApprovalDecisionRequest(string? Comment);
