using System.CommandLine;
using Argy.Cli.Common;
using static Argy.Cli.Admin.AdminCommands;
using static Argy.Cli.Delivery.SinkCommands;

namespace Argy.Cli.Delivery;

/// <summary><c>argy notifications</c>: deployment failed, quota reached, new user, pending approval, by webhook or email.</summary>
internal static class NotificationsCommand
{
    private const string DefaultEvents = "deployment failed, quota reached, new user, pending approval";

    public static Command Create(CommandRunner runner)
    {
        var url = new Option<string>("--url") { Description = "The webhook URL (http or https)", Required = true };
        var webhookEvents = EventsOption(DefaultEvents);
        var webhookName = new Option<string?>("--name") { Description = "A name for the sink" };
        var webhookJson = JsonOption();
        var addWebhook = new Command("add-webhook", "Post notifications as signed JSON to a URL; prints the signing secret once") { url, webhookEvents, webhookName, webhookJson };
        addWebhook.SetRequestAction(runner, webhookJson,
            p => (HttpMethod.Post, SinksPath(), Body(("kind", Value("webhook")), ("url", Value(p.GetValue(url))),
                ("events", JsonList(p.GetValue(webhookEvents))), ("name", Value(p.GetValue(webhookName))))),
            ShowCreated);

        var to = new Option<string[]>("--to") { Description = "Recipients (a@example.com,b@example.com)", Required = true };
        var emailEvents = EventsOption(DefaultEvents);
        var emailName = new Option<string?>("--name") { Description = "A name for the sink" };
        var emailJson = JsonOption();
        var addEmail = new Command("add-email", "Email notifications through the control plane's SMTP setup") { to, emailEvents, emailName, emailJson };
        addEmail.SetRequestAction(runner, emailJson,
            p => (HttpMethod.Post, SinksPath(), Body(("kind", Value("email")), ("recipients", JsonList(p.GetValue(to))),
                ("events", JsonList(p.GetValue(emailEvents))), ("name", Value(p.GetValue(emailName))))),
            ShowCreated);

        return new Command("notifications", "Notifications (" + DefaultEvents + ") by webhook or email")
        {
            addWebhook, addEmail, List(runner, "List notification webhooks and email sinks", "webhook", "email"), Show(runner), Update(runner), Test(runner), Remove(runner),
        };
    }
}
