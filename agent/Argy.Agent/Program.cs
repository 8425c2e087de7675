using Argy.Agent.Cli;

return await AgentCli.InvokeAsync(args);
