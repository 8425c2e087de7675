using System.Net;

namespace Argy.Cli;

/// <summary>Exit codes follow sysexits(3) and shell conventions so pipelines can branch on them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Unavailable = 69;

    /// <summary>EX_TEMPFAIL: refused for now (a deployment quota); the message says when to retry.</summary>
    public const int TempFail = 75;
    public const int NoPermission = 77;
    public const int TimedOut = 124;
    public const int Interrupted = 130;

    /// <summary>The deployment was rejected by an approver and never ran.</summary>
    public const int Rejected = 79;

    public static int ForHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 or 404 or 409 or 422 => Usage,
        401 or 403 => NoPermission,
        429 => TempFail,
        // A gateway in front of the control plane answers these when the control plane itself is down.
        502 or 503 or 504 => Unavailable,
        _ => Failure,
    };
}
