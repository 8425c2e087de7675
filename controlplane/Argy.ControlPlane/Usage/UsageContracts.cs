namespace Argy.ControlPlane.Usage;

/// <summary>LLM usage of one user or one model in the window. <see cref="Email"/> is set when grouped by user.</summary>
public sealed record LlmUsageLine(string Key, string? Email, long Requests, long InputTokens, long OutputTokens, long TotalTokens, decimal Credits);

public sealed record LlmUsageReport(string By, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<LlmUsageLine> Items, LlmUsageLine Total);

/// <summary>Deployments of one product created in the window. Failed counts failures and timeouts; active is still queued or running.</summary>
public sealed record DeploymentUsageLine(string Product, long Count, long Succeeded, long Failed, long Cancelled, long Active);

public sealed record DeploymentUsageReport(string By, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DeploymentUsageLine> Items, DeploymentUsageLine Total);

public sealed record TrendDay(string Date, long Deployments, long LlmRequests, long LlmTokens, decimal LlmCredits);

public sealed record UsageTrend(string TimeZone, int Days, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TrendDay> Items);
