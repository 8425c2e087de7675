namespace Argy.Cli.Api;

/// <summary>No HTTP answer at all (refused, DNS, TLS, timeout, dropped stream); exits 69.</summary>
internal sealed class ControlPlaneUnreachableException(string message, Exception? inner = null)
    : Exception(message, inner);
