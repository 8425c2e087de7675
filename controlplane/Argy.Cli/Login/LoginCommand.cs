using System.CommandLine;
using System.Text.Json.Nodes;
using Argy.Cli.Admin;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;

namespace Argy.Cli.Login;

internal static class LoginCommand
{
    public static Command Create(CommandRunner runner)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Your tenant (id or name), to get a sign-in link by email" };
        var email = new Option<string?>("--email") { Description = "Your email address, to get a sign-in link by email" };
        var link = new Option<string?>("--link") { Description = "The link (or its token) from an invitation or sign-in email" };
        var json = JsonOption();
        var login = new Command("login", "Sign in: with no option, approve a code shown here (device flow); or ask for a link by email, then sign in with it") { tenant, email, link, json };
        login.SetAction((parseResult, ct) => runner.RunAsync(parseResult, async (client, settings) =>
        {
            var output = runner.Console.Out;
            var linkValue = parseResult.GetValue(link);
            if (linkValue is null)
            {
                var tenantValue = parseResult.GetValue(tenant);
                var emailValue = parseResult.GetValue(email);
                if (tenantValue is null && emailValue is null)
                {
                    return await DeviceLogin.RunAsync(runner, settings, ct);
                }

                if (tenantValue is null || emailValue is null)
                {
                    throw new UsageException("give --tenant and --email to get a sign-in link, or --link to sign in with one");
                }

                await client.SendJsonAsync(HttpMethod.Post, Path("auth", "magic-link"), Body(("tenant", Value(tenantValue)), ("email", Value(emailValue))), ct);
                await output.WriteLineAsync($"If {emailValue} may sign in to {tenantValue}, a link is on its way. Then run: argy login --link '<link>'");
                return ExitCodes.Success;
            }

            var token = TokenOf(linkValue);
            var path = token.StartsWith("argy_act_", StringComparison.Ordinal) ? Path("auth", "activate")
                : token.StartsWith("argy_mlk_", StringComparison.Ordinal) ? Path("auth", "magic-link", "redeem")
                : throw new UsageException("that is not an Argy activation or sign-in link");
            var result = await client.SendJsonAsync(HttpMethod.Post, path, Body(("token", Value(token))), ct);
            if (parseResult.GetValue(json))
            {
                await output.WriteLineAsync(result.Json);
                return ExitCodes.Success;
            }

            var session = result.Value;
            await output.WriteLineAsync($"Signed in as {Text(session?["user"], "email")} ({Text(session?["user"], "role")}) in tenant {Text(session, "tenantId")}.");
            await output.WriteLineAsync($"The session token expires {Text(session, "expiresAt")}; the session lasts until {Text(session?["session"], "expiresAt")}.");
            await output.WriteLineAsync();
            await output.WriteLineAsync($"export ARGY_TOKEN={Text(session, "accessToken")}");
            return ExitCodes.Success;
        }, ct));

        return login;
    }

    public static Command WhoAmI(CommandRunner runner)
    {
        var json = JsonOption();
        var whoami = new Command("whoami", "Show the tenant, role and user of the current token") { json };
        whoami.SetRequestAction(runner, json, _ => (HttpMethod.Get, Path("me"), null),
            async (me, output) =>
            {
                await output.WriteLineAsync($"tenant:      {Text(me, "tenantId")}");
                await output.WriteLineAsync($"role:        {Text(me, "role")}");
                await output.WriteLineAsync($"credential:  {Text(me, "credential")} {Text(me, "credentialId")}");
                await output.WriteLineAsync($"user:        {(me?["user"] is JsonObject user ? Text(user, "email") : "-")}");
                await output.WriteLineAsync($"permissions: {(me?["permissions"] is JsonArray p ? string.Join(' ', p.Select(v => v?.ToString())) : "-")}");
            });
        return whoami;
    }

    /// <summary>Accepts the whole link from the email or just its token.</summary>
    internal static string TokenOf(string link)
    {
        var text = link.Trim();
        var at = text.IndexOf("token=", StringComparison.Ordinal);
        if (at < 0)
        {
            return text;
        }

        var token = text[(at + 6)..];
        var end = token.IndexOfAny(['&', '#']);
        return Uri.UnescapeDataString(end < 0 ? token : token[..end]);
    }
}
