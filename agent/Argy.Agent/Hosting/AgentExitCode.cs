using Argy.Agent.Cli;

namespace Argy.Agent.Hosting;

/// <summary>The exit code of <c>run</c>, set by whatever decides the agent must stop (first one wins).</summary>
internal sealed class AgentExitCode
{
    private int _code = ExitCodes.Success;

    public int Code => Volatile.Read(ref _code);

    public bool IsSet => Code != ExitCodes.Success;

    public void Set(int code) => Interlocked.CompareExchange(ref _code, code, ExitCodes.Success);
}
