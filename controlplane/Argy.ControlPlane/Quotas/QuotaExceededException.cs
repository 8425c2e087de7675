using Argy.ControlPlane.Problems;

namespace Argy.ControlPlane.Quotas;

/// <summary>A submission over a deployment quota: 429 with the seconds until the window admits one more.</summary>
public sealed class QuotaExceededException(QuotaBreach breach)
    : ApiProblemException(StatusCodes.Status429TooManyRequests, "Deployment quota exceeded",
        $"Deployment quota exceeded: {breach.Quota}. The Retry-After header says when the rolling window admits the next one.")
{
    public QuotaBreach Breach { get; } = breach;
}

/// <summary>Which quota a submission would exceed, and when the rolling window frees a slot.</summary>
public sealed record QuotaBreach(string ScopeType, string ScopeId, string ScopeName, QuotaWindow Window, int Limit, int Used, long RetryAfterSeconds)
{
    /// <summary>"deployments per hour for tenant acme: 10".</summary>
    public string Quota => $"deployments per {Window.Label} for {ScopeName}: {Limit}";
}
