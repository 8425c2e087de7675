using Argy.Cli.Api;

namespace Argy.Cli.Deployments;

/// <summary>Waits while a run waits for an approver, polling its status; transient failures are retried.</summary>
internal static class ApprovalWait
{
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    private const int MaxConsecutiveFailures = 5;

    public static async Task<Deployment> UntilDecidedAsync(ArgyApiClient client, string runId, CancellationToken ct)
    {
        var failures = 0;
        while (true)
        {
            await Task.Delay(PollInterval, ct);
            try
            {
                var run = (await client.GetDeploymentAsync(runId, ct)).Value;
                failures = 0;
                if (run.Status != RunStatus.PendingApproval)
                {
                    return run;
                }
            }
            catch (Exception ex) when ((ex is ControlPlaneUnreachableException || (ex is ApiException api && (int)api.StatusCode >= 500))
                && !ct.IsCancellationRequested && ++failures < MaxConsecutiveFailures)
            {
                // A restarting control plane: keep waiting.
            }
        }
    }
}
