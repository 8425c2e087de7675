namespace Argy.Agent.Cli;

/// <summary>Exit codes of argy-agent; 3, 4, 77 and 78 mean "restarting will not help".</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Anything else that went wrong (unreachable control plane, not enrolled, bad state file).</summary>
    public const int Failure = 1;

    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>The control plane rejected the agent's credential (revoked or unknown).</summary>
    public const int CredentialRejected = 3;

    /// <summary>Another process connected with this agent's identity and took over.</summary>
    public const int Superseded = 4;

    /// <summary>Enrollment refused (401/403): wrong, used or expired token. EX_NOPERM.</summary>
    public const int EnrollmentRefused = 77;

    /// <summary>Invalid configuration. EX_CONFIG.</summary>
    public const int Configuration = 78;
}
