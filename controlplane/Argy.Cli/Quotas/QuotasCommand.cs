using System.CommandLine;
using System.Globalization;
using Argy.Cli.Api;
using Argy.Cli.Common;

namespace Argy.Cli.Quotas;

/// <summary><c>argy quotas</c>: deployments per hour and per day, for the tenant and for orgs.</summary>
internal static class QuotasCommand
{
    public static Command Create(CommandRunner runner) =>
        new("quotas", "Show or set deployment quotas (deployments per rolling hour and day)")
        {
            Show(runner),
            Set(runner),
        };

    private static Command Show(CommandRunner runner)
    {
        var json = new Option<bool>("--json") { Description = "Print the control plane's JSON as-is" };
        var show = new Command("show", "The tenant's and orgs' deployment quotas and their use") { json };
        show.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var result = await client.GetDeploymentQuotasAsync(ct);
            if (parseResult.GetValue(json))
            {
                await runner.Console.Out.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var table = new Table("SCOPE", "PER HOUR", "LAST HOUR", "PER DAY", "LAST DAY");
            foreach (var quota in new[] { result.Value.Tenant }.Concat(result.Value.Orgs))
            {
                table.Add(
                    quota.OrgId is null ? "tenant" : $"org {quota.OrgId}",
                    Limit(quota.DeploymentsPerHour),
                    quota.UsedLastHour.ToString(CultureInfo.InvariantCulture),
                    Limit(quota.DeploymentsPerDay),
                    quota.UsedLastDay.ToString(CultureInfo.InvariantCulture));
            }

            await table.WriteAsync(runner.Console.Out);
            return ExitCodes.Success;
        }, ct));
        return show;
    }

    private static Command Set(CommandRunner runner)
    {
        var org = new Option<string?>("--org") { Description = "Set an org's quota (org id) instead of the tenant's" };
        var perHour = new Option<string?>("--per-hour") { Description = "Deployments per rolling hour, or 'none' for no limit" };
        var perDay = new Option<string?>("--per-day") { Description = "Deployments per rolling day, or 'none' for no limit" };
        var set = new Command("set", "Change a deployment quota; a limit not given keeps its current value") { org, perHour, perDay };
        set.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, _) =>
        {
            var hourText = parseResult.GetValue(perHour);
            var dayText = parseResult.GetValue(perDay);
            if (hourText is null && dayText is null)
            {
                throw new UsageException("give --per-hour, --per-day or both (a number, or 'none')");
            }

            var hour = hourText is null ? null : Parse(hourText, "--per-hour");
            var day = dayText is null ? null : Parse(dayText, "--per-day");
            var orgId = parseResult.GetValue(org);
            var current = (await client.GetDeploymentQuotasAsync(ct)).Value;
            var existing = orgId is null ? current.Tenant : current.Orgs.FirstOrDefault(o => o.OrgId == orgId) ?? new DeploymentQuota();
            var setting = new DeploymentQuotaSetting
            {
                DeploymentsPerHour = hourText is null ? existing.DeploymentsPerHour : hour,
                DeploymentsPerDay = dayText is null ? existing.DeploymentsPerDay : day,
            };
            var saved = (await client.SetDeploymentQuotaAsync(orgId, setting, ct)).Value;
            await runner.Console.Out.WriteLineAsync(
                $"{(orgId is null ? "tenant" : $"org {orgId}")}: {Limit(saved.DeploymentsPerHour)} per hour, {Limit(saved.DeploymentsPerDay)} per day");
            return ExitCodes.Success;
        }, ct));
        return set;
    }

    /// <summary>A limit, or null for 'none'.</summary>
    private static int? Parse(string text, string option) =>
        text.Equals("none", StringComparison.OrdinalIgnoreCase) || text.Equals("unlimited", StringComparison.OrdinalIgnoreCase) ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"{option}: '{text}' is not a number of deployments or 'none'");

    private static string Limit(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
