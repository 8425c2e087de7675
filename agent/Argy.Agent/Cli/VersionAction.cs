using System.CommandLine;
using System.CommandLine.Invocation;

namespace Argy.Agent.Cli;

/// <summary>Prints "argy-agent 0.1.0" rather than the bare version the default action prints.</summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine($"{AgentInfo.ExecutableName} {AgentInfo.Version}");
        return ExitCodes.Success;
    }
}
