namespace Argy.Agent.State;

/// <summary>The state file exists but cannot be used; the message is meant for the operator.</summary>
internal sealed class AgentStateException(string message, Exception? innerException = null)
    : Exception(message, innerException);
