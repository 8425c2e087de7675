using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Llm;

/// <summary><c>argy llm quotas show|set|set-user|clear-user</c>: monthly LLM credits (1 credit = 1,000,000 tokens).</summary>
internal static class LlmCommand
{
    public static Command Create(CommandRunner runner) =>
        new("llm", "LLM credits: monthly quotas per role and user, billing time zone and alerts")
        {
            new Command("quotas", "Monthly LLM credit quotas (1 credit = 1,000,000 tokens)") { Show(runner), Set(runner), SetUser(runner), ClearUser(runner) },
        };

    private static Command Show(CommandRunner runner)
    {
        var json = JsonOption();
        var command = new Command("show", "Print the quotas per role and user, the time zone and the alert thresholds") { json };
        command.SetRequestAction(runner, json, _ => (HttpMethod.Get, Path("llm", "quotas"), null), RenderAsync);
        return command;
    }

    private static Command Set(CommandRunner runner)
    {
        var roles = new Option<string[]>("--role") { Description = "ROLE=CREDITS or ROLE=unlimited; repeat for more roles" };
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone of the billing month (e.g. UTC, Europe/Paris)" };
        var warning = new Option<int?>("--warning") { Description = "Warning threshold in percent of a user's quota" };
        var critical = new Option<int?>("--critical") { Description = "Critical threshold in percent of a user's quota" };
        var recipients = new Option<string[]>("--recipient") { Description = "Email address told about threshold crossings; repeat for more (replaces the list)" };
        var noRecipients = new Option<bool>("--no-recipients") { Description = "Clear the recipient list" };
        var minutes = new Option<int?>("--reservation-minutes") { Description = "How long an unsettled reservation holds credits" };
        var json = JsonOption();
        var command = new Command("set", "Change role quotas, the time zone, thresholds or recipients; what you leave out is kept")
        {
            roles, zone, warning, critical, recipients, noRecipients, minutes, json,
        };
        command.SetRequestAction(runner, json, p =>
        {
            var body = Body(
                ("roleMonthlyCredits", RoleCredits(p.GetValue(roles))),
                ("timeZone", Value(p.GetValue(zone))),
                ("warningPercent", Value(p.GetValue(warning))),
                ("criticalPercent", Value(p.GetValue(critical))),
                ("alertRecipients", p.GetValue(noRecipients) ? new JsonArray() : JsonList(p.GetValue(recipients))),
                ("reservationMinutes", Value(p.GetValue(minutes))));
            if (body.Count == 0)
            {
                throw new UsageException("nothing to change: give --role, --time-zone, --warning, --critical, --recipient, --no-recipients or --reservation-minutes");
            }

            return (HttpMethod.Put, Path("llm", "quotas"), body);
        }, RenderAsync);
        return command;
    }

    private static Command SetUser(CommandRunner runner)
    {
        var user = new Argument<string>("user") { Description = "User id (usr_...)" };
        var credits = new Argument<string>("credits") { Description = "Monthly credits, or 'unlimited'" };
        var command = new Command("set-user", "Override one user's monthly credits") { user, credits };
        command.SetRequestAction(runner, null,
            p => (HttpMethod.Put, Path("llm", "quotas", "users", p.GetRequiredValue(user)), Credits(p.GetRequiredValue(credits)) is { } amount
                ? Body(("monthlyCredits", JsonValue.Create(amount)))
                : Body(("unlimited", JsonValue.Create(true)))),
            async (answer, output) => await output.WriteLineAsync(
                $"{Text(answer, "email")}: {(answer?["unlimited"] is JsonValue u && u.GetValue<bool>() ? "unlimited" : Text(answer, "monthlyCredits") + " credits")} a month"));
        return command;
    }

    private static Command ClearUser(CommandRunner runner)
    {
        var user = new Argument<string>("user") { Description = "User id (usr_...)" };
        var command = new Command("clear-user", "Remove a user's override; their role's quota applies again") { user };
        command.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("llm", "quotas", "users", p.GetRequiredValue(user)), null),
            async (_, output) => await output.WriteLineAsync("override removed"));
        return command;
    }

    private static JsonObject? RoleCredits(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return null;
        }

        var map = new JsonObject();
        foreach (var value in values)
        {
            var separator = value.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new UsageException($"--role '{value}' is not ROLE=CREDITS or ROLE=unlimited");
            }

            var amount = Credits(value[(separator + 1)..]);
            map[value[..separator].Trim().ToUpperInvariant()] = amount is null ? null : JsonValue.Create(amount.Value);
        }

        return map;
    }

    /// <summary>A number of credits, or null for "unlimited".</summary>
    private static decimal? Credits(string text)
    {
        if (text.Trim().Equals("unlimited", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var credits)
            ? credits
            : throw new UsageException($"'{text}' is not a number of credits or 'unlimited'");
    }

    private static string Recipients(JsonNode? answer) =>
        answer?["alertRecipients"] is JsonArray { Count: > 0 } list ? string.Join(',', list.Select(r => r?.ToString())) : "nobody";

    private static async Task RenderAsync(JsonNode? answer, TextWriter output)
    {
        var table = new Table("ROLE", "MONTHLY CREDITS");
        foreach (var (role, credits) in answer?["roleMonthlyCredits"] as JsonObject ?? [])
        {
            table.Add(role, credits is null ? "unlimited" : credits.ToString());
        }

        await table.WriteAsync(output);
        if (answer?["userOverrides"] is JsonArray { Count: > 0 } overrides)
        {
            await output.WriteLineAsync();
            var users = new Table("USER", "EMAIL", "MONTHLY CREDITS");
            foreach (var item in overrides.OfType<JsonNode>())
            {
                users.Add(Text(item, "userId"), Text(item, "email"), item["unlimited"] is JsonValue u && u.GetValue<bool>() ? "unlimited" : Text(item, "monthlyCredits"));
            }

            await users.WriteAsync(output);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"time zone:     {Text(answer, "timeZone")} (period {Text(answer, "currentPeriod")}, resets {Text(answer, "periodEndsAt")})");
        await output.WriteLineAsync($"alerts:        warning {Text(answer, "warningPercent")}%, critical {Text(answer, "criticalPercent")}%, to {Recipients(answer)}");
        await output.WriteLineAsync($"reservations:  held {Text(answer, "reservationMinutes")} minutes");
    }
}
