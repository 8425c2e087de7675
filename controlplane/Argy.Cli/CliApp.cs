using System.CommandLine;
using System.CommandLine.Invocation;
using Argy.Cli.Agents;
using Argy.Cli.Audit;
using Argy.Cli.Approvals;
using Argy.Cli.Common;
using Argy.Cli.Config;
using Argy.Cli.Delivery;
using Argy.Cli.Deployments;
using Argy.Cli.Device;
using Argy.Cli.Llm;
using Argy.Cli.Login;
using Argy.Cli.Orgs;
using Argy.Cli.Products;
using Argy.Cli.Quotas;
using Argy.Cli.Settings;
using Argy.Cli.Teams;
using Argy.Cli.Tokens;
using Argy.Cli.Usage;
using Argy.Cli.Users;

namespace Argy.Cli;

internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct)
    {
        var root = BuildRootCommand(host);

        // Response files are off: "@name" is a legitimate argument of a remote command.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors)
            {
                await host.Console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await host.Console.Error.WriteLineAsync("Run 'argy --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = host.Console.Out,
            Error = host.Console.Error,
            EnableDefaultExceptionHandler = false,
            // Program.cs owns Ctrl+C so that tests drive cancellation through the same token.
            ProcessTerminationTimeout = null,
        };

        try
        {
            return await parseResult.InvokeAsync(invocation, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            await host.Console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static RootCommand BuildRootCommand(CliHost host)
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(host, globals);

        var root = new RootCommand("argy: drive an Argy control plane (agents and deployments).");
        root.Options.Add(globals.Url);
        root.Options.Add(globals.Token);
        root.Subcommands.Add(AgentsCommand.Create(runner));
        root.Subcommands.Add(DeployCommand.Create(runner));
        root.Subcommands.Add(DeploymentsCommand.Create(runner));
        root.Subcommands.Add(UsersCommand.Create(runner));
        root.Subcommands.Add(TeamsCommand.Create(runner));
        root.Subcommands.Add(ProductsCommand.Create(runner));
        root.Subcommands.Add(TokensCommand.Create(runner));
        root.Subcommands.Add(OrgsCommand.Create(runner));
        root.Subcommands.Add(SettingsCommand.Create(runner));
        root.Subcommands.Add(ConfigCommand.Create(runner));
        root.Subcommands.Add(LoginCommand.Create(runner));
        root.Subcommands.Add(LoginCommand.WhoAmI(runner));
        root.Subcommands.Add(DeviceCommand.Create(runner));
        root.Subcommands.Add(AuditCommand.Create(runner));
        root.Subcommands.Add(ApprovalsCommand.Create(runner));
        root.Subcommands.Add(QuotasCommand.Create(runner));
        root.Subcommands.Add(LlmCommand.Create(runner));
        root.Subcommands.Add(UsageCommand.Create(runner));
        root.Subcommands.Add(SiemCommand.Create(runner));
        root.Subcommands.Add(NotificationsCommand.Create(runner));
        return root;
    }
}
