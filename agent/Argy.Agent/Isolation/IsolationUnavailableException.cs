namespace Argy.Agent.Isolation;

/// <summary>The configured isolation cannot work on this host and falling back was not allowed.</summary>
internal sealed class IsolationUnavailableException(string message) : Exception(message);
