using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Users;

internal static class UsersCommand
{
    public static Command Create(CommandRunner runner) =>
        new("users", "Invite, list, change and disable users")
        {
            Invite(runner), List(runner), Get(runner), Update(runner), Simple(runner, "disable", "Disable a user: their sessions and API tokens are refused at once"),
            Simple(runner, "enable", "Enable a disabled user"), Simple(runner, "resend-invitation", "Email a new activation link to an invited user"),
            Delete(runner), Sessions(runner), SignOut(runner),
        };

    private static Command Sessions(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var json = JsonOption();
        var command = new Command("sessions", "List a user's sessions") { id, json };
        command.SetRequestAction(runner, json, p => (HttpMethod.Get, Path("users", p.GetRequiredValue(id), "sessions"), null),
            async (answer, output) =>
            {
                var table = new Table("ID", "METHOD", "IP", "STARTED", "LAST SEEN", "ENDS", "REVOKED");
                foreach (var session in Items(answer))
                {
                    table.Add(Text(session, "id"), Text(session, "method"), Text(session, "ip"), Text(session, "createdAt"), Text(session, "lastSeenAt"),
                        Text(session, "expiresAt"), Text(session, "revokeReason"));
                }

                await table.WriteAsync(output);
            });
        return command;
    }

    private static Command SignOut(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var command = new Command("sign-out", "End every session of a user (they can sign in again)") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Post, Path("users", p.GetRequiredValue(id), "sessions", "revoke"), null),
            async (answer, output) => await output.WriteLineAsync($"{Text(answer, "revoked")} session(s) ended"));
        return command;
    }

    private static Command Invite(CommandRunner runner)
    {
        var email = new Option<string>("--email") { Description = "The person's email address", Required = true };
        var role = new Option<string>("--role") { Description = "PLATFORM_ADMIN, PLATFORM_ENGINEER, PLATFORM_PM, PLATFORM_USER, COMPLIANCE_APPROVER or VIEWER", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name" };
        var teams = new Option<string[]>("--teams") { Description = "Teams (ids or names, a,b)" };
        var json = JsonOption();
        var command = new Command("invite", "Invite a user: they get an email with a single-use activation link") { email, role, name, teams, json };
        command.SetRequestAction(runner, json,
            p => (HttpMethod.Post, Path("users"), Body(("email", Value(p.GetValue(email))), ("role", Value(p.GetValue(role))),
                ("displayName", Value(p.GetValue(name))), ("teams", JsonList(p.GetValue(teams))))),
            async (answer, output) =>
            {
                var user = answer?["user"];
                await output.WriteLineAsync($"invited {Text(user, "email")} as {Text(user, "role")} (id {Text(user, "id")})");
                await output.WriteLineAsync($"the activation link expires {Text(answer, "invitationExpiresAt")}");
            });
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var search = new Option<string?>("--search") { Description = "Text in the email, name or external id" };
        var status = new Option<string?>("--status") { Description = "Invited, Active or Disabled" };
        var role = new Option<string?>("--role") { Description = "Only this role" };
        var team = new Option<string?>("--team") { Description = "Only members of this team (id)" };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 100)" };
        var json = JsonOption();
        var command = new Command("list", "List users") { search, status, role, team, limit, json };
        command.SetRequestAction(runner, json,
            p =>
            {
                var query = Query(("search", p.GetValue(search)), ("status", p.GetValue(status)), ("role", p.GetValue(role)), ("team", p.GetValue(team)),
                    ("limit", p.GetValue(limit)?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return (HttpMethod.Get, Path("users") + query, (JsonNode?)null);
            },
            async (answer, output) =>
            {
                var table = new Table("ID", "EMAIL", "NAME", "ROLE", "STATUS", "TEAMS");
                foreach (var user in Items(answer))
                {
                    table.Add(Text(user, "id"), Text(user, "email"), Text(user, "displayName") is { Length: > 0 } n ? n : "-", Text(user, "role"),
                        Text(user, "status"), Names(user, "teams"));
                }

                await table.WriteAsync(output);
            });
        return command;
    }

    private static Command Get(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var command = new Command("get", "Show a user as JSON") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Get, Path("users", p.GetRequiredValue(id)), null));
        return command;
    }

    private static Command Update(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var role = new Option<string?>("--role") { Description = "New role" };
        var name = new Option<string?>("--name") { Description = "New display name" };
        var teams = new Option<string[]?>("--teams") { Description = "The user's complete list of teams (a,b); \"\" for none" };
        var json = JsonOption();
        var command = new Command("update", "Change a user's role, name or teams") { id, role, name, teams, json };
        command.SetRequestAction(runner, json,
            p =>
            {
                var teamList = p.GetValue(teams);
                return (HttpMethod.Patch, Path("users", p.GetRequiredValue(id)), Body(("role", Value(p.GetValue(role))), ("displayName", Value(p.GetValue(name))),
                    ("teams", teamList is null ? null : JsonList(teamList) ?? new JsonArray())));
            },
            async (user, output) => await output.WriteLineAsync($"{Text(user, "email")}: {Text(user, "role")}, {Text(user, "status")}, teams {Names(user, "teams")}"));
        return command;
    }

    private static Command Simple(CommandRunner runner, string action, string description)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var json = JsonOption();
        var command = new Command(action, description) { id, json };
        command.SetRequestAction(runner, json, p => (HttpMethod.Post, Path("users", p.GetRequiredValue(id), action), null),
            async (answer, output) =>
            {
                var user = answer?["user"] ?? answer;
                await output.WriteLineAsync($"user {Text(user, "id")} ({Text(user, "email")}): {Text(user, "status")}");
            });
        return command;
    }

    private static Command Delete(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "User id (usr_...)" };
        var command = new Command("delete", "Delete a user; API tokens they own are revoked") { id };
        command.SetRequestAction(runner, null, p => (HttpMethod.Delete, Path("users", p.GetRequiredValue(id)), null),
            async (_, output) => await output.WriteLineAsync("deleted"));
        return command;
    }

    internal static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }
}
